using System.Runtime.CompilerServices;

namespace RepAlign.Tests;

/// <summary>What the test process sets before any test runs, for itself and the command lines it starts.</summary>
internal static class TestEnvironment
{
    /// <summary>
    /// RepAlign.Training's module initialiser runs first, so a test touching <c>torch</c> before any RepAlign type still
    /// gets the patched native library (TorchRuntime's resolver). The content-hash cache file goes to a temporary
    /// folder of this test run (REPALIGN_HASH_CACHE), so tests neither read nor grow the user's
    /// ~/.cache/repalign/content-hashes.tsv. A value already set is kept.
    /// </summary>
#pragma warning disable CA2255 // a test assembly's own set-up, not a library's
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(RepAlign.Training.Native.TorchRuntime).Module.ModuleHandle);
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("REPALIGN_HASH_CACHE"))) return;
        var folder = Path.Combine(Path.GetTempPath(), "repalign-tests", $"hash-cache-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable("REPALIGN_HASH_CACHE", Path.Combine(folder, "content-hashes.tsv"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }
}
