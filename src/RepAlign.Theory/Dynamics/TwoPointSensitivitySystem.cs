namespace RepAlign.Theory;

/// <summary>
/// The two-point system augmented with its forward sensitivities: state
/// (h, y, w, ∂(h,y,w)/∂ln η_h, ∂(h,y,w)/∂ln η_y), 9 variables. The sensitivities obey
/// s' = J·s + ∂f/∂ln η and start at zero because the initial state is the measured one.
/// </summary>
public readonly struct TwoPointSensitivitySystem : IOdeSystem
{
    private readonly TwoPointSystem _system;

    /// <summary>Wraps <paramref name="system"/>.</summary>
    /// <param name="system">The base system.</param>
    public TwoPointSensitivitySystem(TwoPointSystem system) => _system = system;

    /// <inheritdoc />
    public int Dimension => 9;

    /// <inheritdoc />
    public void Evaluate(double t, ReadOnlySpan<double> x, Span<double> dxdt)
    {
        double h = x[0], y = x[1], w = x[2];
        _system.Derivative(h, y, w, out dxdt[0], out dxdt[1], out dxdt[2]);
        Span<double> j = stackalloc double[9];
        Span<double> fa = stackalloc double[3];
        Span<double> fb = stackalloc double[3];
        _system.Jacobian(h, y, w, j, fa, fb);
        for (int i = 0; i < 3; i++)
        {
            dxdt[3 + i] = j[3 * i] * x[3] + j[3 * i + 1] * x[4] + j[3 * i + 2] * x[5] + fa[i];
            dxdt[6 + i] = j[3 * i] * x[6] + j[3 * i + 1] * x[7] + j[3 * i + 2] * x[8] + fb[i];
        }
    }
}
