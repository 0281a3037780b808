using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>
/// The plain reference integrator: classic fourth-order Runge–Kutta with a fixed step of
/// 1/<c>stepsPerUnit</c> (shortened so every output time is hit exactly). Slow and obviously
/// correct; the fast <see cref="DormandPrinceIntegrator"/> is tested against it.
/// </summary>
public static class ReferenceIntegrator
{
    /// <summary>Integrates from (t0, x0) and reports the state at each output time.</summary>
    /// <typeparam name="TSystem">The ODE system.</typeparam>
    /// <typeparam name="TObserver">Receives the outputs.</typeparam>
    /// <param name="system">The ODE system.</param>
    /// <param name="x0">Initial state.</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="outputTimes">Output times, non-decreasing, all ≥ <paramref name="t0"/>.</param>
    /// <param name="stepsPerUnit">Steps per unit of time (≥ 1).</param>
    /// <param name="observer">Receives each output.</param>
    /// <returns>How the integration ended.</returns>
    public static IntegrationOutcome Integrate<TSystem, TObserver>(
        in TSystem system, ReadOnlySpan<double> x0, double t0, ReadOnlySpan<double> outputTimes,
        int stepsPerUnit, ref TObserver observer)
        where TSystem : struct, IOdeSystem
        where TObserver : struct, IDenseObserver
    {
        if (stepsPerUnit < 1)
        {
            Throw.Argument(nameof(stepsPerUnit), $"stepsPerUnit is {stepsPerUnit}; expected ≥ 1.");
        }

        int n = system.Dimension;
        var x = x0.ToArray();
        var k1 = new double[n];
        var k2 = new double[n];
        var k3 = new double[n];
        var k4 = new double[n];
        var tmp = new double[n];
        double t = t0;

        for (int o = 0; o < outputTimes.Length; o++)
        {
            double target = outputTimes[o];
            int steps = (int)Math.Ceiling((target - t) * stepsPerUnit - 1e-9);
            if (steps > 0)
            {
                double dt = (target - t) / steps;
                for (int s = 0; s < steps; s++)
                {
                    system.Evaluate(t, x, k1);
                    for (int i = 0; i < n; i++) tmp[i] = x[i] + 0.5 * dt * k1[i];
                    system.Evaluate(t + 0.5 * dt, tmp, k2);
                    for (int i = 0; i < n; i++) tmp[i] = x[i] + 0.5 * dt * k2[i];
                    system.Evaluate(t + 0.5 * dt, tmp, k3);
                    for (int i = 0; i < n; i++) tmp[i] = x[i] + dt * k3[i];
                    system.Evaluate(t + dt, tmp, k4);
                    for (int i = 0; i < n; i++) x[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
                    t = s == steps - 1 ? target : t + dt;
                }

                for (int i = 0; i < n; i++)
                {
                    if (!double.IsFinite(x[i])) return IntegrationOutcome.NonFinite;
                }
            }

            if (!observer.Observe(o, target, x)) return IntegrationOutcome.Aborted;
        }

        return IntegrationOutcome.Completed;
    }

    /// <summary>Integrates and returns the states at the output times, row-major (outputs × dimension).</summary>
    /// <typeparam name="TSystem">The ODE system.</typeparam>
    /// <param name="system">The ODE system.</param>
    /// <param name="x0">Initial state.</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="outputTimes">Output times, non-decreasing, all ≥ <paramref name="t0"/>.</param>
    /// <param name="stepsPerUnit">Steps per unit of time.</param>
    /// <param name="outcome">How the integration ended; rows after a failure are left NaN.</param>
    /// <returns>The states.</returns>
    public static double[] Solve<TSystem>(
        in TSystem system, ReadOnlySpan<double> x0, double t0, ReadOnlySpan<double> outputTimes,
        int stepsPerUnit, out IntegrationOutcome outcome)
        where TSystem : struct, IOdeSystem
    {
        var buffer = new double[outputTimes.Length * system.Dimension];
        Array.Fill(buffer, double.NaN);
        var observer = new BufferObserver(buffer, system.Dimension);
        outcome = Integrate(system, x0, t0, outputTimes, stepsPerUnit, ref observer);
        return buffer;
    }
}
