using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Integration;

/// <summary>The fast adaptive integrator agrees with the plain RK4 reference on the two-point system, at every output epoch.</summary>
public class FastVsReferenceIntegratorTests
{
    public static TheoryData<double, double, double, double, double, double, double> Systems => new()
    {
        // etaH, etaY, dx2, dy2, h0, y0, w0
        { 5.672e-4, 0.03989, 1.0, 0.5, 1.234e-3, 3.04e-8, -1.23e-4 },  // the fixture's fit (rich)
        { 1e-3, 0.08, 1.0, 0.5, 1e-3, 1e-6, -5e-4 },                    // rich
        { 1e-3, 0.02, 1.0, 0.5, 4.0, 0.1, 0.05 },                       // lazy
        { 2e-3, 0.01, 2.0, 1.0, 0.3, 0.2, -0.1 },                       // intermediate
    };

    [Theory]
    [MemberData(nameof(Systems))]
    public void AgreeAtEveryEpoch(double etaH, double etaY, double dx2, double dy2, double h0, double y0, double w0)
    {
        var epochs = TheoryTestData.Range(3000);
        foreach (var variant in Enum.GetValues<DynamicsVariant>())
        {
            var system = new TwoPointSystem(etaH, etaY, dx2, dy2, variant);
            var reference = ReferenceIntegrator.Solve(system, [h0, y0, w0], 0.0, epochs, 32, out var refOutcome);
            var fast = DormandPrinceIntegrator.Solve(system, [h0, y0, w0], 0.0, epochs, AdaptiveOptions.Accurate, out var fastOutcome);
            if (refOutcome != IntegrationOutcome.Completed)
            {
                continue; // an altered system may leave h > 0; nothing to compare
            }

            Assert.Equal(IntegrationOutcome.Completed, fastOutcome);
            for (int c = 0; c < 3; c++)
            {
                double scale = 0;
                for (int i = 0; i < epochs.Length; i++) scale = Math.Max(scale, Math.Abs(reference[3 * i + c]));
                for (int i = 0; i < epochs.Length; i++)
                {
                    double difference = Math.Abs(fast[3 * i + c] - reference[3 * i + c]);
                    Assert.True(difference <= 1e-6 * scale, $"{variant}, component {c}, epoch {i}: fast {fast[3 * i + c]} vs reference {reference[3 * i + c]}");
                }
            }
        }
    }

    [Fact]
    public void SparseOutputTimesMatchTheDenseRun()
    {
        var system = new TwoPointSystem(1e-3, 0.08, 1.0, 0.5);
        var dense = DormandPrinceIntegrator.Solve(system, [1e-3, 1e-6, -5e-4], 0.0, TheoryTestData.Range(3000), null, out _);
        double[] sparse = [0, 1, 7, 100, 101, 1234, 2000, 2999];
        var picked = DormandPrinceIntegrator.Solve(system, [1e-3, 1e-6, -5e-4], 0.0, sparse, null, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        for (int k = 0; k < sparse.Length; k++)
        {
            int i = (int)sparse[k];
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(dense[3 * i + c], picked[3 * k + c], 1e-7);
            }
        }
    }
}
