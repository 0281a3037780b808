using System.Diagnostics;
using System.Security.Cryptography;
using RepAlign.Core.Data;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Faults;

/// <summary>Tiny runs for the fault, lock and concurrency tests: a 300-image MNIST folder, settings that train in seconds, the real command line.</summary>
public static class TinyRuns
{
    /// <summary>Runs a shipped pipeline in this process with every stage of the command line, CSV on.</summary>
    public static RunResult InProcess(string pipeline, string[] overrides, string outDir, IRunObserver observer, string? from = null, string? to = null) =>
        PipelineRunner.Run(new RunRequest
        {
            Pipeline = TestPaths.Repo("pipelines", pipeline),
            Overrides = overrides,
            Out = outDir,
            From = from,
            To = to,
            Csv = true,
        }, RepAlign.FSharp.Stages.set, observer);

    /// <summary>The names of the stages a shipped pipeline runs (its family's graph), in order.</summary>
    public static IReadOnlyList<string> StageNames(string pipeline)
    {
        var path = TestPaths.Repo("pipelines", pipeline);
        return RepAlign.FSharp.Stages.graph(RepAlign.Pipelines.Spec.PipelineFile.Validate(RepAlign.Pipelines.Spec.PipelineFile.LoadDocument(path, []).Base, path)).Names;
    }

    /// <summary>Writes the first <paramref name="count"/> images of the shipped MNIST set as plain IDX files into <paramref name="folder"/> (nothing else there).</summary>
    public static string MnistFolder(string folder, int count = 300)
    {
        Directory.CreateDirectory(folder);
        var source = TestPaths.Repo("data", "mnist-10k");
        var images = Idx.ReadImages(Path.Combine(source, "train-images-idx3-ubyte.gz"));
        var labels = Idx.ReadLabels(Path.Combine(source, "train-labels-idx1-ubyte.gz"));
        Idx.Write(Path.Combine(folder, "train-images-idx3-ubyte"), new IdxArray([count, 28, 28], images.Data[..(count * 784)]), gzip: false);
        Idx.Write(Path.Combine(folder, "train-labels-idx1-ubyte"), new IdxArray([count], labels.Data[..count]), gzip: false);
        return folder;
    }

    /// <summary>--set values shrinking pipelines/mnist-pairs.toml to seconds on <paramref name="data"/>.</summary>
    public static string[] MnistSettings(string data) =>
    [
        $"data.path={data}", "data.held_out=100", "model.width=16", "model.depth=3", "train.epochs=4",
        "extract.pairs=classes:3-8:3", "extract.batch_size=256", "fit.grid_points=20",
    ];

    /// <summary>--set values shrinking pipelines/two-points.toml to about a second of training.</summary>
    public static readonly string[] TwoPointSettings =
        ["model.depth=3", "model.width=16", "train.epochs=150", "train.lr=0.05", "track.layers=[1]", "checkpoints.count=6", "fit.grid_points=40"];

    /// <summary>A tiny sweep (2 variants × 2 grid values): four two-point runs of 16-wide networks.</summary>
    public static readonly string SweepToml = TinySweep.Toml("fault-sweep", epochs: 100, seed: 3);

    /// <summary>`repalign run` arguments with every setting as --set.</summary>
    public static string[] RunArgs(string pipeline, string outDir, IEnumerable<string> settings, params string[] extra) =>
        ["run", pipeline, "--out", outDir, "--csv", .. settings.SelectMany(s => new[] { "--set", s }), .. extra];

    /// <summary>Starts the real command line (repalign.dll beside the tests) in a process of its own, with <paramref name="environment"/> added to its environment.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        // A job started in the background by a non-interactive shell (CI under nohup … &) inherits SIGINT ignored, and
        // ignored signals stay ignored across exec: reset it (coreutils' env execs, so the pid stays the command line's).
        var start = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", "exec", Path.Combine(AppContext.BaseDirectory, "repalign.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>Runs the real command line to its end: exit code, standard error, standard output.</summary>
    public static async Task<(int Code, string Err, string Out)> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Start(args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stderr, await stdout);
    }

    /// <summary>
    /// The tables of a run or sweep folder by relative path → SHA-256 (<see cref="RunDigest"/>): every Parquet table by
    /// content and every CSV table by its cells, timing columns (names ending in "seconds") left out; every checkpoint's
    /// bytes; every run.json minus times. The report, sweep.json (it names folders) and lock files are left out.
    /// </summary>
    /// <param name="root">The run or sweep folder.</param>
    /// <param name="messages">Compare run.json's stage messages (false for a sharded run against a local one).</param>
    public static SortedDictionary<string, string> Tables(string root, bool messages = true)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, f);
            if (relative.Split(Path.DirectorySeparatorChar).Contains("shards")) continue; // a sharded run's working files
            switch (Path.GetExtension(f))
            {
                case ".onnx":
                    using (var s = File.OpenRead(f)) result[relative] = Convert.ToHexStringLower(SHA256.HashData(s));
                    break;
                case ".csv":
                    result[relative] = TableHash(f);
                    break;
                case ".parquet":
                    result[relative] = RunDigest.ParquetHash(f);
                    break;
                case ".json" when Path.GetFileName(f) == "run.json":
                    result[relative] = RunDigest.ManifestHash(Path.GetDirectoryName(f)!, messages);
                    break;
            }
        }
        return result;
    }

    /// <summary>SHA-256 of a CSV table's cells without its timing columns.</summary>
    public static string TableHash(string csv)
    {
        var table = RepAlign.Core.Tables.UserCsv.Read(csv, "a table");
        var keep = Enumerable.Range(0, table.Columns.Count).Where(i => !table.Columns[i].EndsWith("seconds", StringComparison.Ordinal)).ToArray();
        var text = string.Join('\n', new[] { keep.Select(i => table.Columns[i]) }.Concat(table.Rows.Select(r => keep.Select(i => i < r.Cells.Count ? r.Cells[i] : "")))
            .Select(cells => string.Join('\u001f', cells)));
        return Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Temporary files (write-then-rename leftovers) under a folder.</summary>
    public static string[] TemporaryFiles(string root) =>
        Directory.EnumerateFiles(root, "*.tmp-*", SearchOption.AllDirectories).Concat(Directory.EnumerateDirectories(root, ".exposed", SearchOption.AllDirectories)).ToArray();

    /// <summary>Describes how two table sets differ (empty when identical).</summary>
    public static string Difference(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        var diffs = expected.Keys.Union(actual.Keys).Where(k => !expected.TryGetValue(k, out var e) || !actual.TryGetValue(k, out var a) || e != a).ToArray();
        return string.Join(", ", diffs);
    }
}

/// <summary>Records what a run tells its observer, one short line per event ("skip fit", "start train", "done train", "waiting …").</summary>
public sealed class StageRecorder : IRunObserver
{
    /// <summary>The events in order.</summary>
    public List<string> Events { get; } = [];

    /// <inheritdoc />
    public void StageSkipped(string stage, string reason) => Events.Add($"skip {stage}");

    /// <inheritdoc />
    public void StageStarted(string stage) => Events.Add($"start {stage}");

    /// <inheritdoc />
    public void StageFinished(string stage, StageRecord record) => Events.Add($"{record.State.ToString().ToLowerInvariant()} {stage}");

    /// <inheritdoc />
    public IProgress<long> Progress(string label, long total) => new Progress<long>();

    /// <inheritdoc />
    public void Waiting(string message) => Events.Add($"waiting {message}");
}
