using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Dynamics;

/// <summary>Properties of the 3-D system: the conserved C, and the analytic Jacobian and sensitivities against finite differences.</summary>
public class TwoPointSystemTests
{
    private static (TwoPointSystem System, double[] X0) RandomCase(Random random, DynamicsVariant variant = DynamicsVariant.True)
    {
        double etaH = Math.Exp(Math.Log(1e-4) + random.NextDouble() * Math.Log(100));
        double etaY = Math.Exp(Math.Log(1e-3) + random.NextDouble() * Math.Log(100));
        double dx2 = 0.25 + 2 * random.NextDouble();
        double dy2 = 0.1 + random.NextDouble();
        double h0 = Math.Exp(Math.Log(1e-3) + random.NextDouble() * Math.Log(1e3));
        double y0 = Math.Exp(Math.Log(1e-6) + random.NextDouble() * Math.Log(1e5));
        double w0 = y0 - Math.Sqrt(dy2 * y0) * (2 * random.NextDouble() - 1); // |w − y| ≤ ‖Δy*‖‖Δŷ‖
        return (new TwoPointSystem(etaH, etaY, dx2, dy2, variant), [h0, y0, w0]);
    }

    [Fact]
    public void ConservedQuantityStaysConstantAlongIntegratedSolutions()
    {
        var random = new Random(11);
        var epochs = TheoryTestData.Range(2000);
        for (int trial = 0; trial < 20; trial++)
        {
            var (system, x0) = RandomCase(random);
            var states = DormandPrinceIntegrator.Solve(system, x0, 0.0, epochs, null, out var outcome);
            Assert.Equal(IntegrationOutcome.Completed, outcome);
            double c0 = system.ConservedQuantity(x0[0], x0[1]);
            double scale = Math.Abs(x0[0] / system.Dx2) + Math.Abs(system.EtaH / system.EtaY * x0[1] / x0[0]);
            for (int i = 0; i < epochs.Length; i++)
            {
                double c = system.ConservedQuantity(states[3 * i], states[3 * i + 1]);
                Assert.True(Math.Abs(c - c0) <= 1e-6 * scale, $"trial {trial}, epoch {i}: C = {c}, C0 = {c0}");
            }
        }
    }

    [Fact]
    public void ConservedQuantityIsConstantUnderTheReferenceIntegratorToo()
    {
        var system = new TwoPointSystem(1e-3, 0.08, 1.0, 0.5);
        var states = ReferenceIntegrator.Solve(system, [1e-3, 1e-6, -5e-4], 0.0, TheoryTestData.Range(3000), 8, out _);
        double c0 = system.ConservedQuantity(1e-3, 1e-6);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(c0, system.ConservedQuantity(states[3 * i], states[3 * i + 1]), 1e-8);
        }
    }

    [Fact]
    public void JacobianMatchesFiniteDifferencesForEveryVariant()
    {
        var random = new Random(5);
        Span<double> j = stackalloc double[9];
        Span<double> fa = stackalloc double[3];
        Span<double> fb = stackalloc double[3];
        Span<double> plus = stackalloc double[3];
        Span<double> minus = stackalloc double[3];
        Span<double> f = stackalloc double[3];
        foreach (var variant in Enum.GetValues<DynamicsVariant>())
        {
            for (int trial = 0; trial < 10; trial++)
            {
                var (system, x) = RandomCase(random, variant);
                system.Jacobian(x[0], x[1], x[2], j, fa, fb);
                for (int col = 0; col < 3; col++)
                {
                    double step = 1e-6 * Math.Max(Math.Abs(x[col]), 1e-8);
                    var xp = (double[])x.Clone();
                    var xm = (double[])x.Clone();
                    xp[col] += step;
                    xm[col] -= step;
                    system.Evaluate(0, xp, plus);
                    system.Evaluate(0, xm, minus);
                    for (int row = 0; row < 3; row++)
                    {
                        double fd = (plus[row] - minus[row]) / (2 * step);
                        Assert.True(Math.Abs(fd - j[3 * row + col]) <= 1e-5 * (Math.Abs(fd) + 1e-12 / step), $"{variant} ∂f{row}/∂x{col}: {j[3 * row + col]} vs {fd}");
                    }
                }

                // Parameter derivatives: ∂f/∂ln η by scaling η.
                const double e = 1e-6;
                var sp = new TwoPointSystem(system.EtaH * Math.Exp(e), system.EtaY, system.Dx2, system.Dy2, variant);
                var sm = new TwoPointSystem(system.EtaH * Math.Exp(-e), system.EtaY, system.Dx2, system.Dy2, variant);
                system.Evaluate(0, x, f);
                sp.Evaluate(0, x, plus);
                sm.Evaluate(0, x, minus);
                for (int row = 0; row < 3; row++) Assert.Equal(fa[row], (plus[row] - minus[row]) / (2 * e), Math.Abs(fa[row]) * 1e-5 + Math.Abs(f[row]) * 1e-9);
                sp = new TwoPointSystem(system.EtaH, system.EtaY * Math.Exp(e), system.Dx2, system.Dy2, variant);
                sm = new TwoPointSystem(system.EtaH, system.EtaY * Math.Exp(-e), system.Dx2, system.Dy2, variant);
                sp.Evaluate(0, x, plus);
                sm.Evaluate(0, x, minus);
                for (int row = 0; row < 3; row++) Assert.Equal(fb[row], (plus[row] - minus[row]) / (2 * e), Math.Abs(fb[row]) * 1e-5 + Math.Abs(f[row]) * 1e-9);
            }
        }
    }

    [Fact]
    public void SensitivitiesMatchFiniteDifferencesOfTheSolution()
    {
        double etaH = 1e-3, etaY = 0.08;
        double[] x0 = [1e-3, 1e-6, -5e-4];
        var epochs = TheoryTestData.Range(1500, 2.0);
        var tight = new AdaptiveOptions { RelativeTolerance = 1e-11, AbsoluteTolerance = 1e-15 };
        var sens = DormandPrinceIntegrator.Solve(
            new TwoPointSensitivitySystem(new TwoPointSystem(etaH, etaY, 1.0, 0.5)), [.. x0, 0, 0, 0, 0, 0, 0], 0.0, epochs, tight, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        const double e = 1e-5;
        var hp = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH * Math.Exp(e), etaY, 1.0, 0.5), x0, 0.0, epochs, tight, out _);
        var hm = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH * Math.Exp(-e), etaY, 1.0, 0.5), x0, 0.0, epochs, tight, out _);
        var yp = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH, etaY * Math.Exp(e), 1.0, 0.5), x0, 0.0, epochs, tight, out _);
        var ym = DormandPrinceIntegrator.Solve(new TwoPointSystem(etaH, etaY * Math.Exp(-e), 1.0, 0.5), x0, 0.0, epochs, tight, out _);
        for (int c = 0; c < 3; c++)
        {
            double scaleA = 0, scaleB = 0;
            for (int i = 0; i < epochs.Length; i++)
            {
                scaleA = Math.Max(scaleA, Math.Abs(sens[9 * i + 3 + c]));
                scaleB = Math.Max(scaleB, Math.Abs(sens[9 * i + 6 + c]));
            }

            for (int i = 0; i < epochs.Length; i++)
            {
                double fdA = (hp[3 * i + c] - hm[3 * i + c]) / (2 * e);
                double fdB = (yp[3 * i + c] - ym[3 * i + c]) / (2 * e);
                Assert.True(Math.Abs(fdA - sens[9 * i + 3 + c]) <= 1e-4 * scaleA, $"∂x{c}/∂ln η_h at epoch {epochs[i]}: {sens[9 * i + 3 + c]} vs {fdA}");
                Assert.True(Math.Abs(fdB - sens[9 * i + 6 + c]) <= 1e-4 * scaleB, $"∂x{c}/∂ln η_y at epoch {epochs[i]}: {sens[9 * i + 6 + c]} vs {fdB}");
            }
        }
    }
}
