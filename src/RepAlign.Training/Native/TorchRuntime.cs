using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using RepAlign.Core;
using TorchSharp;

namespace RepAlign.Training.Native;

/// <summary>How TorchSharp's native library was loaded (for manifests and diagnostics).</summary>
/// <param name="Decision">Whether the shipped library was used or a patched copy.</param>
/// <param name="LibraryPath">The libLibTorchSharp.so that was found next to the application (empty off Linux).</param>
/// <param name="LoadedPath">The library actually loaded (the patched copy when patched).</param>
/// <param name="LibStdCxxPath">The system libstdc++ the process uses (empty off Linux).</param>
public sealed record TorchRuntimeInfo(NativePatchDecision Decision, string LibraryPath, string LoadedPath, string LibStdCxxPath);

/// <summary>
/// Makes TorchSharp usable on this machine. Every user of <c>torch</c> calls <see cref="EnsureLoaded"/>
/// first; it is idempotent and thread-safe. On Linux it checks whether the system libstdc++ defines
/// every version TorchSharp's library needs and, where only <c>GLIBCXX_3.4.32</c> is missing, loads a
/// patched copy (see <see cref="LibStdCxxCompat"/>) after preloading libtorch's own libraries.
/// Code that touches <c>torch</c> before <see cref="EnsureLoaded"/> (a static Scalar, a test's first tensor) is covered
/// too: this assembly's module initialiser handles TorchSharp's failed native loads (its load context's
/// ResolvingUnmanagedDll), so TorchSharp's own first load of <c>LibTorchSharp</c> gets the patched copy. Without it,
/// one early touch fails torch's type initialiser for the whole process.
/// </summary>
public static class TorchRuntime
{
    private const string LibraryFile = "libLibTorchSharp.so";
    private const string ImportName = "LibTorchSharp";
    private static readonly string[] Preloads = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly Lock Gate = new();
    private static readonly Lazy<TorchRuntimeInfo> Native = new(LoadNative, LazyThreadSafetyMode.ExecutionAndPublication);
    private static TorchRuntimeInfo? info;

#pragma warning disable CA2255 // the library must make TorchSharp loadable before any of its types run; registration only, no loading
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver()
    {
        var torchSharp = typeof(torch).Assembly;
        (AssemblyLoadContext.GetLoadContext(torchSharp) ?? AssemblyLoadContext.Default).ResolvingUnmanagedDll += (assembly, name) =>
            assembly == torchSharp ? Resolve(name) : IntPtr.Zero;
    }

    /// <summary>
    /// TorchSharp's load of LibTorchSharp, once the usual search has failed (its own <c>NativeLibrary.TryLoad</c> in
    /// torch's type initialiser, or a P/Invoke), gets the patched copy where one is needed; any other name, or a system
    /// that needs no patch, is left to fail as it would have.
    /// </summary>
    private static IntPtr Resolve(string name)
    {
        if (name != ImportName || !OperatingSystem.IsLinux()) return IntPtr.Zero;
        var loaded = Native.Value;
        return loaded.Decision == NativePatchDecision.PatchWeak ? NativeLibrary.Load(loaded.LoadedPath) : IntPtr.Zero;
    }

    /// <summary>Loads TorchSharp's native libraries (patched where needed) and initialises torch once; returns how it was done.</summary>
    public static TorchRuntimeInfo EnsureLoaded()
    {
        if (Volatile.Read(ref info) is { } done) return done;
        lock (Gate)
        {
            if (info is not null) return info;
            var result = Native.Value;
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                using var probe = torch.ones(2, 2);
                using var sum = probe.sum(); // named, so the finaliser cannot free it during item()
                if (sum.item<float>() != 4f) Throw.WorkFailed("TorchSharp initialised but computed a wrong sum of ones(2, 2)");
            }
            catch (Exception e) when (e is not RepAlignException)
            {
                Throw.WorkFailed($"TorchSharp failed to initialise ({result.Decision}, library {result.LoadedPath}): {e.Message}", e);
            }
            Volatile.Write(ref info, result);
            return result;
        }
    }

    /// <summary>
    /// Sets libtorch's intra-op thread count, which is process-wide: under a lock and only when it differs, so
    /// parallel trials asking for the same count never call into libtorch while another trains (a concurrent
    /// <c>set_num_threads</c> during parallel work was seen to abort the process).
    /// </summary>
    public static void UseThreads(int threads)
    {
        EnsureLoaded();
        lock (Gate)
        {
            if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        }
    }

    /// <summary>
    /// Folders that may hold TorchSharp's native libraries, in search order: the application's, then beside the
    /// TorchSharp assembly and, where that assembly was loaded from the NuGet package cache (F# scripts and
    /// notebooks referencing RepAlign's packages), the TorchSharp and libtorch-cpu packages' native folders.
    /// </summary>
    public static IEnumerable<string> NativeSearchDirectories()
    {
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string dirs)
            foreach (var d in dirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) yield return d;
        var baseDir = AppContext.BaseDirectory;
        yield return baseDir;
        yield return Path.Combine(baseDir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        yield return Path.Combine(baseDir, "runtimes", "linux-x64", "native");
        var assemblyDir = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (string.IsNullOrEmpty(assemblyDir)) yield break;
        yield return assemblyDir;
        // Package cache layout: <packages>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll
        var package = Directory.GetParent(assemblyDir)?.Parent;
        if (package is null) yield break;
        yield return Path.Combine(package.FullName, "runtimes", "linux-x64", "native");
        var packages = package.Parent?.Parent;
        var libtorch = packages is null ? null : Path.Combine(packages.FullName, "libtorch-cpu-linux-x64");
        if (libtorch is null || !Directory.Exists(libtorch)) yield break;
        foreach (var version in Directory.EnumerateDirectories(libtorch).OrderDescending(StringComparer.Ordinal))
            yield return Path.Combine(version, "runtimes", "linux-x64", "native");
    }

    /// <summary>The shipped libLibTorchSharp.so; throws <see cref="WorkFailedException"/> when absent.</summary>
    public static string FindTorchSharpLibrary() => Find(dir => File.Exists(Path.Combine(dir, LibraryFile)), LibraryFile);

    /// <summary>The folder holding libtorch's own libraries (beside libLibTorchSharp.so in an application's output; in their
    /// own package in the NuGet cache); throws <see cref="WorkFailedException"/> when absent.</summary>
    public static string FindLibTorchFolder() =>
        Path.GetDirectoryName(Find(dir => Preloads.All(p => File.Exists(Path.Combine(dir, p))), Preloads[0]))!;

    private static string Find(Func<string, bool> holds, string file)
    {
        var searched = NativeSearchDirectories().Distinct().ToArray();
        foreach (var dir in searched)
        {
            if (Directory.Exists(dir) && holds(dir)) return Path.GetFullPath(Path.Combine(dir, file));
        }
        Throw.WorkFailed($"Cannot find {file} (TorchSharp needs {LibraryFile}, {string.Join(", ", Preloads)}) in {string.Join(", ", searched)}; expected the TorchSharp-cpu package's native files in the application's output or the NuGet package cache.");
        return "";
    }

    /// <summary>The path of the libstdc++ this process has loaded (loading it by soname first), from /proc/self/maps.</summary>
    public static string FindLoadedLibStdCxx()
    {
        NativeLibrary.Load(LibStdCxxCompat.LibStdCxxName);
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/');
            if (slash < 0) continue;
            var path = line[slash..].Trim();
            if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal)) return path;
        }
        Throw.WorkFailed($"Loaded {LibStdCxxCompat.LibStdCxxName} but found no libstdc++ in /proc/self/maps");
        return "";
    }

    private static TorchRuntimeInfo LoadNative() =>
        OperatingSystem.IsLinux() ? LoadLinux() : new TorchRuntimeInfo(NativePatchDecision.UseAsShipped, "", "", "");

    private static TorchRuntimeInfo LoadLinux()
    {
        var library = FindTorchSharpLibrary();
        var libStdCxx = FindLoadedLibStdCxx();
        var decision = LibStdCxxCompat.Decide(ElfVersionInfo.Read(libStdCxx).Defined, ElfVersionInfo.Read(library).Needed);
        if (decision == NativePatchDecision.UseAsShipped)
            return new TorchRuntimeInfo(decision, library, library, libStdCxx);

        var dir = FindLibTorchFolder();
        foreach (var p in Preloads) NativeLibrary.Load(Path.Combine(dir, p));
        var patched = LibStdCxxCompat.EnsurePatchedCopy(library);
        NativeLibrary.Load(patched);
        return new TorchRuntimeInfo(decision, library, patched, libStdCxx);
    }
}
