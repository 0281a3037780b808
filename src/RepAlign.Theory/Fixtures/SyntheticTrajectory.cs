namespace RepAlign.Theory;

/// <summary>How synthetic noise scales.</summary>
public enum NoiseModel
{
    /// <summary>Each value times (1 + σ·ε): relative noise that keeps h positive (squared distances stay squared distances).</summary>
    Relative,

    /// <summary>Each value plus σ·s·ε with one scale s, the largest |h|, |y|, |w| of the clean trajectory: homoscedastic noise.</summary>
    Absolute,
}

/// <summary>A two-point system with known rates and initial state, to generate trajectories from.</summary>
/// <param name="Name">A label (rich, lazy, …).</param>
/// <param name="EtaH">η_h.</param>
/// <param name="EtaY">η_y.</param>
/// <param name="Dx2">dx2.</param>
/// <param name="Dy2">dy2.</param>
/// <param name="H0">h(0).</param>
/// <param name="Y0">y(0).</param>
/// <param name="W0">w(0).</param>
public sealed record SyntheticCase(string Name, double EtaH, double EtaY, double Dx2, double Dy2, double H0, double Y0, double W0);

/// <summary>
/// Synthetic trajectories of the true two-point system with known rates: integrated with the plain
/// <see cref="ReferenceIntegrator"/> (RK4, fixed step, independent of the fit's integrator) and given seeded i.i.d.
/// Gaussian noise on every sample, the first one included or not. The tests' rate-recovery cases and the coverage probe
/// share these generators.
/// </summary>
public static class SyntheticTrajectory
{
    /// <summary>The regimes the rate-recovery tests and the coverage study use (rich: small start, lazy: large start).</summary>
    public static IReadOnlyList<SyntheticCase> Cases { get; } =
    [
        new("rich", 1e-3, 0.08, 1.0, 0.5, 1e-3, 1e-6, -5e-4),
        new("rich-wide", 3e-4, 0.02, 1.5, 1.0, 1e-3, 1e-7, 1e-4),
        new("lazy", 1e-3, 0.02, 1.0, 0.5, 4.0, 0.1, 0.05),
        new("intermediate", 2e-3, 0.01, 2.0, 1.0, 0.3, 0.2, -0.1),
    ];

    /// <summary>Epochs 0, step, 2·step, … (<paramref name="count"/> of them).</summary>
    public static double[] Range(int count, double step = 1.0)
    {
        var epochs = new double[count];
        for (int i = 0; i < count; i++) epochs[i] = i * step;
        return epochs;
    }

    /// <summary>The noiseless states (h, y, w) of <paramref name="c"/> at <paramref name="epochs"/>, row-major.</summary>
    /// <param name="c">The system and its start (at <paramref name="epochs"/>[0]).</param>
    /// <param name="epochs">Output epochs, increasing.</param>
    /// <param name="variant">The right-hand side.</param>
    /// <param name="outcome">How the integration ended; rows after a failure are NaN.</param>
    /// <param name="stepsPerEpoch">RK4 steps per epoch.</param>
    public static double[] Clean(SyntheticCase c, double[] epochs, DynamicsVariant variant, out IntegrationOutcome outcome, int stepsPerEpoch = 16)
    {
        var system = new TwoPointSystem(c.EtaH, c.EtaY, c.Dx2, c.Dy2, variant);
        return ReferenceIntegrator.Solve(system, [c.H0, c.Y0, c.W0], epochs[0], epochs, stepsPerEpoch, out outcome);
    }

    /// <summary>
    /// The clean states with noise: three standard normal draws per row (h, y, w, in that order, also for a noiseless
    /// first row, so the other rows' noise does not depend on <paramref name="noisyFirst"/>).
    /// </summary>
    /// <param name="epochs">The epochs.</param>
    /// <param name="states">Clean states from <see cref="Clean"/>.</param>
    /// <param name="level">σ: relative, or relative to the largest clean |value| (<paramref name="model"/>).</param>
    /// <param name="model">How σ scales.</param>
    /// <param name="random">The seeded source of the draws.</param>
    /// <param name="noisyFirst">Whether the first row gets noise too.</param>
    public static Trajectory WithNoise(double[] epochs, double[] states, double level, NoiseModel model, Random random, bool noisyFirst)
    {
        int n = epochs.Length;
        double scale = 1.0;
        if (model == NoiseModel.Absolute)
        {
            scale = 0;
            foreach (double v in states) scale = Math.Max(scale, Math.Abs(v));
        }

        var h = new double[n];
        var y = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sigma = i == 0 && !noisyFirst ? 0.0 : level;
            h[i] = Noisy(states[3 * i], sigma, model, scale, Gaussian(random));
            y[i] = Noisy(states[3 * i + 1], sigma, model, scale, Gaussian(random));
            w[i] = Noisy(states[3 * i + 2], sigma, model, scale, Gaussian(random));
        }

        return new Trajectory(epochs, h, y, w);
    }

    /// <summary>A standard normal draw (Box–Muller, one cosine branch: two uniforms per draw).</summary>
    public static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static double Noisy(double value, double sigma, NoiseModel model, double scale, double draw) =>
        model == NoiseModel.Relative ? value * (1 + sigma * draw) : value + sigma * scale * draw;
}
