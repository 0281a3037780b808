using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>
/// The fast integrator: explicit Dormand–Prince 5(4) with FSAL, per-component error control and
/// the method's fourth-order continuous extension as dense output at every requested output time. The adaptive step is free to span many
/// epochs where the solution is smooth (plateaus, the approach to the fixed point), so the cost per
/// recorded epoch is one dense-output evaluation rather than one or more steps; the stiff start (the 1/h
/// terms when h is small) is handled by the step-size controller shrinking the step. All work
/// buffers live on the stack: no allocation per call.
/// </summary>
/// <remarks>
/// Why explicit and not Radau like the reference: for the rates that matter (near the optimum) the
/// stiffness ratio over a fit window is modest, and candidates whose rates make the system very stiff
/// are exactly the ones the fit aborts early because their partial objective is already too large.
/// </remarks>
public static class DormandPrinceIntegrator
{
    private const int MaxDimension = 18;

    // Dormand–Prince 5(4) tableau.
    private const double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private const double A21 = 1.0 / 5;
    private const double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private const double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private const double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561, A54 = -212.0 / 729;
    private const double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176, A65 = -5103.0 / 18656;
    private const double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784, B6 = 11.0 / 84;

    // Error coefficients: fifth-order weights minus the embedded fourth-order ones.
    private const double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200, E6 = 22.0 / 525, E7 = -1.0 / 40;

    // Fourth-order continuous extension of the method (Hairer, Nørsett & Wanner, Solving ODEs I, §II.6).
    private const double D1 = -12715105075.0 / 11282082432, D3 = 87487479700.0 / 32700410799, D4 = -10690763975.0 / 1880347072;
    private const double D5 = 701980252875.0 / 199316789632, D6 = -1453857185.0 / 822651844, D7 = 69997945.0 / 29380423;

    /// <summary>Integrates from (t0, x0) and reports the state at each output time.</summary>
    /// <typeparam name="TSystem">The ODE system (dimension ≤ 18).</typeparam>
    /// <typeparam name="TObserver">Receives the outputs; may stop the integration early.</typeparam>
    /// <param name="system">The ODE system.</param>
    /// <param name="x0">Initial state.</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="outputTimes">Output times, non-decreasing, all ≥ <paramref name="t0"/>.</param>
    /// <param name="options">Tolerances and limits.</param>
    /// <param name="observer">Receives each output.</param>
    /// <param name="steps">Number of steps attempted (accepted and rejected).</param>
    /// <returns>How the integration ended.</returns>
    public static IntegrationOutcome Integrate<TSystem, TObserver>(
        in TSystem system, ReadOnlySpan<double> x0, double t0, ReadOnlySpan<double> outputTimes,
        AdaptiveOptions options, ref TObserver observer, out int steps)
        where TSystem : struct, IOdeSystem
        where TObserver : struct, IDenseObserver
    {
        int n = system.Dimension;
        if (n > MaxDimension)
        {
            Throw.Argument(nameof(system), $"system dimension is {n}; expected ≤ {MaxDimension}.");
        }

        steps = 0;
        Span<double> work = stackalloc double[11 * n];
        Span<double> x = work.Slice(0, n);
        Span<double> k1 = work.Slice(n, n);
        Span<double> k2 = work.Slice(2 * n, n);
        Span<double> k3 = work.Slice(3 * n, n);
        Span<double> k4 = work.Slice(4 * n, n);
        Span<double> k5 = work.Slice(5 * n, n);
        Span<double> k6 = work.Slice(6 * n, n);
        Span<double> k7 = work.Slice(7 * n, n);
        Span<double> xNew = work.Slice(8 * n, n);
        Span<double> stage = work.Slice(9 * n, n);
        Span<double> dense = work.Slice(10 * n, n);

        x0.CopyTo(x);
        double t = t0;
        int o = 0;
        int outputs = outputTimes.Length;
        while (o < outputs && outputTimes[o] <= t0)
        {
            if (!observer.Observe(o, outputTimes[o], x)) return IntegrationOutcome.Aborted;
            o++;
        }

        if (o == outputs) return IntegrationOutcome.Completed;

        double tEnd = outputTimes[outputs - 1];
        double rtol = options.RelativeTolerance, atol = options.AbsoluteTolerance;
        system.Evaluate(t, x, k1);

        // Initial step: 1% of the time the state needs to change by its own size.
        double d0 = 0, d1 = 0;
        for (int i = 0; i < n; i++)
        {
            double sc = atol + rtol * Math.Abs(x[i]);
            d0 += x[i] / sc * (x[i] / sc);
            d1 += k1[i] / sc * (k1[i] / sc);
        }

        double step = d0 > 1e-10 && d1 > 1e-10 ? 0.01 * Math.Sqrt(d0 / d1) : 1e-6;
        step = Math.Min(step, options.MaxStep);
        bool rejectedLast = false;

        while (o < outputs)
        {
            if (++steps > options.MaxSteps) return IntegrationOutcome.MaxStepsExceeded;
            bool last = step >= tEnd - t;
            if (last) step = tEnd - t;

            for (int i = 0; i < n; i++) stage[i] = x[i] + step * A21 * k1[i];
            system.Evaluate(t + C2 * step, stage, k2);
            for (int i = 0; i < n; i++) stage[i] = x[i] + step * (A31 * k1[i] + A32 * k2[i]);
            system.Evaluate(t + C3 * step, stage, k3);
            for (int i = 0; i < n; i++) stage[i] = x[i] + step * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i]);
            system.Evaluate(t + C4 * step, stage, k4);
            for (int i = 0; i < n; i++) stage[i] = x[i] + step * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]);
            system.Evaluate(t + C5 * step, stage, k5);
            for (int i = 0; i < n; i++) stage[i] = x[i] + step * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i]);
            system.Evaluate(t + step, stage, k6);
            for (int i = 0; i < n; i++) xNew[i] = x[i] + step * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i]);
            double tNew = last ? tEnd : t + step;
            system.Evaluate(tNew, xNew, k7);

            double err = 0;
            for (int i = 0; i < n; i++)
            {
                double e = step * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i]);
                double sc = atol + rtol * Math.Max(Math.Abs(x[i]), Math.Abs(xNew[i]));
                err += e / sc * (e / sc);
            }

            err = Math.Sqrt(err / n);
            if (!(err <= 1.0))
            {
                // Rejected (NaN counts as rejected): shrink and retry.
                double shrink = double.IsFinite(err) ? Math.Max(0.2, 0.9 * Math.Pow(err, -0.2)) : 0.2;
                step *= shrink;
                rejectedLast = true;
                if (step < options.MinStep) return IntegrationOutcome.StepSizeUnderflow;
                continue;
            }

            // Accepted: report every output time inside (t, tNew] from the continuous extension
            // x(θ) = x + θ(Δ + (1−θ)(hk1 − Δ + θ(Δ − hk7 − (hk1 − Δ) + (1−θ)·h·Σ d_j k_j))), Δ = xNew − x.
            bool prepared = false;
            while (o < outputs && outputTimes[o] <= tNew)
            {
                double to = outputTimes[o];
                if (to == tNew)
                {
                    if (!observer.Observe(o, to, xNew)) return IntegrationOutcome.Aborted;
                }
                else
                {
                    if (!prepared)
                    {
                        for (int i = 0; i < n; i++)
                        {
                            stage[i] = step * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i]);
                        }

                        prepared = true;
                    }

                    double th = (to - t) / step;
                    double th1 = 1.0 - th;
                    for (int i = 0; i < n; i++)
                    {
                        double delta = xNew[i] - x[i];
                        double b = step * k1[i] - delta;
                        double c = delta - step * k7[i] - b;
                        dense[i] = x[i] + th * (delta + th1 * (b + th * (c + th1 * stage[i])));
                    }

                    if (!observer.Observe(o, to, dense)) return IntegrationOutcome.Aborted;
                }

                o++;
            }

            t = tNew;
            xNew.CopyTo(x);
            k7.CopyTo(k1);

            double grow = err == 0 ? 5.0 : Math.Min(5.0, 0.9 * Math.Pow(err, -0.2));
            if (rejectedLast) grow = Math.Min(grow, 1.0);
            rejectedLast = false;
            step = Math.Min(Math.Max(step * grow, options.MinStep), options.MaxStep);
        }

        return IntegrationOutcome.Completed;
    }

    /// <summary>Integrates and returns the states at the output times, row-major (outputs × dimension).</summary>
    /// <typeparam name="TSystem">The ODE system.</typeparam>
    /// <param name="system">The ODE system.</param>
    /// <param name="x0">Initial state.</param>
    /// <param name="t0">Initial time.</param>
    /// <param name="outputTimes">Output times, non-decreasing, all ≥ <paramref name="t0"/>.</param>
    /// <param name="options">Tolerances and limits; null = <see cref="AdaptiveOptions.Accurate"/>.</param>
    /// <param name="outcome">How the integration ended; rows after a failure are left NaN.</param>
    /// <returns>The states.</returns>
    public static double[] Solve<TSystem>(
        in TSystem system, ReadOnlySpan<double> x0, double t0, ReadOnlySpan<double> outputTimes,
        AdaptiveOptions? options, out IntegrationOutcome outcome)
        where TSystem : struct, IOdeSystem
    {
        var buffer = new double[outputTimes.Length * system.Dimension];
        Array.Fill(buffer, double.NaN);
        var observer = new BufferObserver(buffer, system.Dimension);
        outcome = Integrate(system, x0, t0, outputTimes, options ?? AdaptiveOptions.Accurate, ref observer, out _);
        return buffer;
    }
}
