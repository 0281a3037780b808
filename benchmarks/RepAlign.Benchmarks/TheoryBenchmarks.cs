using BenchmarkDotNet.Attributes;
using RepAlign.Theory;

namespace RepAlign.Benchmarks;

/// <summary>Locates benchmark inputs committed in the repository (found by walking up to RepAlign.sln).</summary>
internal static class TheoryBenchmarkData
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RepAlign.sln"))) return dir.FullName;
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RepAlign.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException($"RepAlign.sln not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}.");
    }

    public static TwoPointFixture DefaultFixture() =>
        TwoPointFixture.Load(Path.Combine(RepoRoot(), "tests", "RepAlign.Tests", "TestData", "two_point_default.json"));
}

/// <summary>
/// One full fit of the 6000-epoch default fixture (grid + Levenberg–Marquardt + η_ybar), against
/// the baseline of a single objective evaluation with the plain RK4 reference integrator
/// (4 steps per epoch) at the reference rates. The SciPy reference takes ~2.2 s per 3000 epochs.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TheoryFixtureFitBenchmarks
{
    private TwoPointFixture _fixture = null!;

    /// <summary>Loads the fixture.</summary>
    [GlobalSetup]
    public void Setup() => _fixture = TheoryBenchmarkData.DefaultFixture();

    /// <summary>Baseline: one RK4 integration of the 6000 epochs and the objective S at the reference rates.</summary>
    [Benchmark(Baseline = true)]
    public double ReferenceIntegratorObjective()
    {
        var t = _fixture.Trajectory;
        var system = new TwoPointSystem(_fixture.Reference.EtaH, _fixture.Reference.EtaY, _fixture.Dx2, _fixture.Dy2);
        var states = ReferenceIntegrator.Solve(system, [t.H[0], t.Y[0], t.W[0]], 0.0, t.Epoch, 4, out _);
        double s = 0;
        for (int i = 0; i < t.Count; i++)
        {
            double dh = t.H[i] - states[3 * i], dy = t.Y[i] - states[3 * i + 1], dw = t.W[i] - states[3 * i + 2];
            s += dh * dh + dy * dy + dw * dw;
        }

        return s;
    }

    /// <summary>One fast objective evaluation (Dormand–Prince, dense output) at the reference rates.</summary>
    [Benchmark]
    public double FastIntegratorObjective() =>
        TwoPointFit.Objective(_fixture.Trajectory, _fixture.Dx2, _fixture.Dy2, _fixture.Reference.EtaH, _fixture.Reference.EtaY);

    /// <summary>The full fit of the fixture.</summary>
    [Benchmark]
    public FitResult FullFit() => TwoPointFit.Fit(_fixture.Trajectory, _fixture.Dx2, _fixture.Dy2);
}

/// <summary>
/// Throughput of bulk sweeps: 1000 seeded synthetic 200-epoch trajectories (1% noise) fitted with
/// Parallel.For over all cores, one fit per work item. Fits/second = 1000 / mean time.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TheoryBulkFitBenchmarks
{
    private const int Count = 1000;
    private Trajectory[] _trajectories = null!;
    private double[] _sink = null!;

    /// <summary>Generates the trajectories with the reference integrator (seed 42).</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var epochs = new double[200];
        for (int i = 0; i < epochs.Length; i++) epochs[i] = i;
        _trajectories = new Trajectory[Count];
        _sink = new double[Count];
        for (int k = 0; k < Count; k++)
        {
            double etaH = 5e-3 * Math.Exp(random.NextDouble() * Math.Log(3));
            double etaY = 0.4 + 0.6 * random.NextDouble();
            double h0 = Math.Exp(Math.Log(1e-3) + random.NextDouble() * Math.Log(100));
            var system = new TwoPointSystem(etaH, etaY, 1.0, 0.5);
            var states = ReferenceIntegrator.Solve(system, [h0, 1e-5, -1e-4], 0.0, epochs, 4, out _);
            var h = new double[200];
            var y = new double[200];
            var w = new double[200];
            for (int i = 0; i < 200; i++)
            {
                double noise = i == 0 ? 0.0 : 0.01;
                h[i] = states[3 * i] * (1 + noise * Gaussian(random));
                y[i] = states[3 * i + 1] * (1 + noise * Gaussian(random));
                w[i] = states[3 * i + 2] * (1 + noise * Gaussian(random));
            }

            _trajectories[k] = new Trajectory(epochs, h, y, w);
        }
    }

    /// <summary>Fits all 1000 trajectories in parallel.</summary>
    [Benchmark(OperationsPerInvoke = Count)]
    public void ParallelFits() =>
        Parallel.For(0, Count, k => _sink[k] = TwoPointFit.Fit(_trajectories[k], 1.0, 0.5).EtaH);

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
