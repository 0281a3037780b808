using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Integration;

/// <summary>Convergence order of both integrators on x' = x·cos t, exact solution x = exp(sin t).</summary>
public class IntegratorConvergenceTests
{
    private readonly struct ExpSin : IOdeSystem
    {
        public int Dimension => 1;

        public void Evaluate(double t, ReadOnlySpan<double> x, Span<double> dxdt) => dxdt[0] = x[0] * Math.Cos(t);
    }

    private const double End = 10.0;

    private static double Exact(double t) => Math.Exp(Math.Sin(t));

    [Fact]
    public void Rk4ErrorFallsBySixteenWhenTheStepHalves()
    {
        // Largest error over t = 1..10 (a single point can sit where the error changes sign).
        double[] errors = new double[3];
        int[] stepsPerUnit = [4, 8, 16];
        double[] times = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        for (int k = 0; k < 3; k++)
        {
            var x = ReferenceIntegrator.Solve(new ExpSin(), [1.0], 0.0, times, stepsPerUnit[k], out var outcome);
            Assert.Equal(IntegrationOutcome.Completed, outcome);
            for (int i = 0; i < times.Length; i++) errors[k] = Math.Max(errors[k], Math.Abs(x[i] - Exact(times[i])));
        }

        for (int k = 0; k < 2; k++)
        {
            double order = Math.Log2(errors[k] / errors[k + 1]);
            Assert.InRange(order, 3.7, 4.3);
        }
    }

    [Fact]
    public void DormandPrinceErrorFallsByThirtyTwoWhenTheStepHalves()
    {
        // A tolerance so loose that every step is accepted turns the adaptive method into a fixed-step one at MaxStep.
        double[] errors = new double[3];
        double[] maxSteps = [0.2, 0.1, 0.05];
        for (int k = 0; k < 3; k++)
        {
            var options = new AdaptiveOptions { RelativeTolerance = 1e6, AbsoluteTolerance = 1e6, MaxStep = maxSteps[k] };
            var x = DormandPrinceIntegrator.Solve(new ExpSin(), [1.0], 0.0, [End], options, out var outcome);
            Assert.Equal(IntegrationOutcome.Completed, outcome);
            errors[k] = Math.Abs(x[0] - Exact(End));
        }

        for (int k = 0; k < 2; k++)
        {
            double order = Math.Log2(errors[k] / errors[k + 1]);
            Assert.InRange(order, 4.5, 5.5);
        }
    }

    [Theory]
    [InlineData(1e-6)]
    [InlineData(1e-9)]
    public void DormandPrinceDenseOutputMeetsItsToleranceAtEveryOutputTime(double tolerance)
    {
        var times = new double[201];
        for (int i = 0; i < times.Length; i++) times[i] = End * i / (times.Length - 1);
        var options = new AdaptiveOptions { RelativeTolerance = tolerance, AbsoluteTolerance = tolerance, MaxStep = 2.0 };
        var x = DormandPrinceIntegrator.Solve(new ExpSin(), [1.0], 0.0, times, options, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        for (int i = 0; i < times.Length; i++)
        {
            Assert.True(Math.Abs(x[i] - Exact(times[i])) < 100 * tolerance, $"t = {times[i]}: {x[i]} vs {Exact(times[i])}");
        }
    }

    [Fact]
    public void ObserverCanStopTheIntegration()
    {
        var observer = new StopAfter(3);
        var outcome = DormandPrinceIntegrator.Integrate(new ExpSin(), [1.0], 0.0, [0.0, 1.0, 2.0, 3.0, 4.0], AdaptiveOptions.Accurate, ref observer, out _);
        Assert.Equal(IntegrationOutcome.Aborted, outcome);
        Assert.Equal(3, observer.Seen);
    }

    private struct StopAfter(int limit) : IDenseObserver
    {
        public int Seen;

        public bool Observe(int index, double t, ReadOnlySpan<double> x) => ++Seen < limit;
    }
}
