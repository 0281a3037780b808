using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory;

/// <summary>The committed fixture copy and seeded synthetic trajectories generated with the reference integrator.</summary>
internal static class TheoryTestData
{
    private static readonly Lazy<TwoPointFixture> DefaultFixture = new(() =>
        TwoPointFixture.Load(Path.Combine(AppContext.BaseDirectory, "TestData", "two_point_default.json")));

    public static TwoPointFixture Default => DefaultFixture.Value;

    /// <summary>Integrates the system with RK4 (16 steps per epoch) and records the given epochs, optionally with multiplicative Gaussian noise (<see cref="SyntheticTrajectory"/>).</summary>
    public static Trajectory Synthetic(
        double etaH, double etaY, double dx2, double dy2, double h0, double y0, double w0,
        double[] epochs, double noise = 0.0, int seed = 0, DynamicsVariant variant = DynamicsVariant.True, bool noisyFirstRow = true)
    {
        var states = SyntheticTrajectory.Clean(new SyntheticCase("test", etaH, etaY, dx2, dy2, h0, y0, w0), epochs, variant, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        return SyntheticTrajectory.WithNoise(epochs, states, noise, NoiseModel.Relative, new Random(seed), noisyFirstRow);
    }

    public static double[] Range(int count, double step = 1.0) => SyntheticTrajectory.Range(count, step);

    public static double Gaussian(Random random) => SyntheticTrajectory.Gaussian(random);

    /// <summary>The seed of a seeded random test: REPALIGN_TEST_SEED when set (to replay a failure), else <paramref name="fallback"/>.</summary>
    public static int TestSeed(int fallback) =>
        Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED") is { Length: > 0 } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
