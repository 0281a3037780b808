using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory;

/// <summary>The committed fixture copy and seeded synthetic trajectories generated with the reference integrator.</summary>
internal static class TheoryTestData
{
    private static readonly Lazy<TwoPointFixture> DefaultFixture = new(() =>
        TwoPointFixture.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "two_point_default.json")));

    public static TwoPointFixture Default => DefaultFixture.Value;

    /// <summary>Integrates the true system with RK4 (16 steps per epoch) and records the given epochs, optionally with multiplicative Gaussian noise.</summary>
    public static Trajectory Synthetic(
        double etaH, double etaY, double dx2, double dy2, double h0, double y0, double w0,
        double[] epochs, double noise = 0.0, int seed = 0, DynamicsVariant variant = DynamicsVariant.True, bool noisyFirstRow = true)
    {
        var system = new TwoPointSystem(etaH, etaY, dx2, dy2, variant);
        var states = ReferenceIntegrator.Solve(system, [h0, y0, w0], epochs[0], epochs, 16, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        var random = new Random(seed);
        int n = epochs.Length;
        var h = new double[n];
        var y = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double level = i == 0 && !noisyFirstRow ? 0.0 : noise;
            h[i] = states[3 * i] * (1 + level * Gaussian(random));
            y[i] = states[3 * i + 1] * (1 + level * Gaussian(random));
            w[i] = states[3 * i + 2] * (1 + level * Gaussian(random));
        }

        return new Trajectory(epochs, h, y, w);
    }

    public static double[] Range(int count, double step = 1.0)
    {
        var epochs = new double[count];
        for (int i = 0; i < count; i++) epochs[i] = i * step;
        return epochs;
    }

    public static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
