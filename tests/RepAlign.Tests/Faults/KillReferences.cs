using System.Diagnostics;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The uninterrupted runs the kill harness compares with, made once per test class: a small MNIST run (its tables and
/// each stage's duration) and a small sweep (made when first asked for), all through the real command line.
/// </summary>
public sealed class KillReferences : IAsyncLifetime
{
    private readonly ScratchFolder scratch = new();
    private readonly SemaphoreSlim sweepGate = new(1, 1);
    private (SortedDictionary<string, string> Tables, double Seconds)? sweep;

    /// <summary>The pipeline of the MNIST runs.</summary>
    public static readonly string MnistPipeline = TestPaths.Repo("pipelines", "mnist-pairs.toml");

    /// <summary>The stages of an MNIST run, in order (its family's graph).</summary>
    public static readonly string[] StageNames = TinyRuns.StageNames("mnist-pairs.toml").ToArray();

    /// <summary>A folder for the test's runs (deleted with the references).</summary>
    public string File(string name) => scratch.File(name);

    /// <summary>--set values of the small MNIST run (300 images, 4 epochs, one class pair).</summary>
    public string[] MnistSettings { get; private set; } = [];

    /// <summary>The MNIST run's tables (<see cref="TinyRuns.Tables"/>).</summary>
    public SortedDictionary<string, string> MnistTables { get; private set; } = new();

    /// <summary>Wall-clock seconds of each stage of the MNIST run, and of the whole command.</summary>
    public IReadOnlyDictionary<string, double> StageSeconds { get; private set; } = new Dictionary<string, double>();

    /// <summary>Seconds of the whole MNIST command.</summary>
    public double MnistSeconds { get; private set; }

    /// <summary>The sweep's pipeline file.</summary>
    public string SweepFile => scratch.File("sweep.toml");

    /// <summary>The sweep's tables and its seconds, made on first use.</summary>
    public async Task<(SortedDictionary<string, string> Tables, double Seconds)> Sweep()
    {
        await sweepGate.WaitAsync();
        try
        {
            if (sweep is { } made) return made;
            System.IO.File.WriteAllText(SweepFile, TinyRuns.SweepToml);
            var clock = Stopwatch.StartNew();
            var result = await TinyRuns.RunAsync(TinyRuns.RunArgs(SweepFile, scratch.File("sweep-reference"), []));
            Assert.True(result.Code == 0, result.Err + result.Out);
            var tables = TinyRuns.Tables(scratch.File("sweep-reference"));
            Assert.Contains("sweep.csv", tables.Keys);
            sweep = (tables, clock.Elapsed.TotalSeconds);
            return sweep.Value;
        }
        finally
        {
            sweepGate.Release();
        }
    }

    /// <summary>The random source of a harness test: its seed printed; <c>REPALIGN_FAULT_SEED</c> (else <c>REPALIGN_TEST_SEED</c>) replays one.</summary>
    public static Random Seeded(Action<string> print)
    {
        var given = Environment.GetEnvironmentVariable("REPALIGN_FAULT_SEED") ?? Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED");
        var seed = int.TryParse(given, out var s) ? s : Environment.TickCount & 0x7fffffff;
        print($"seed {seed} (REPALIGN_FAULT_SEED={seed} replays the same moments)");
        return new Random(seed);
    }

    /// <summary>Rounds of a kind from <paramref name="variable"/> (the harness sets 20), else <paramref name="fallback"/>.</summary>
    public static int Rounds(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var n) && n >= 0 ? n : fallback;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        MnistSettings = TinyRuns.MnistSettings(TinyRuns.MnistFolder(scratch.File("mnist")));
        var clock = Stopwatch.StartNew();
        var reference = await TinyRuns.RunAsync(TinyRuns.RunArgs(MnistPipeline, scratch.File("mnist-reference"), MnistSettings));
        Assert.True(reference.Code == 0, reference.Err + reference.Out);
        MnistSeconds = clock.Elapsed.TotalSeconds;
        StageSeconds = RunManifest.Read(scratch.File("mnist-reference/run.json")).Stages.ToDictionary(s => s.Key, s => s.Value.Seconds);
        MnistTables = TinyRuns.Tables(scratch.File("mnist-reference"));
        Assert.Contains("fit/fits.csv", MnistTables.Keys);
        Assert.Contains("fit/fits.parquet", MnistTables.Keys);
        Assert.Contains("run.json", MnistTables.Keys);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        scratch.Dispose();
        sweepGate.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Copies a run folder (a trained run that several rounds start from).</summary>
    public static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            System.IO.File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
