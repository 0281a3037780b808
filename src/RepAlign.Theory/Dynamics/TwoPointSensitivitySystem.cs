namespace RepAlign.Theory;

/// <summary>
/// The two-point system augmented with its forward sensitivities to the fitted parameters: state
/// (h, y, w, then ∂(h, y, w)/∂θ_k for each parameter θ_k). The parameters are (ln η_h, ln η_y) when the initial state
/// is the measured one (9 variables), or (ln η_h, ln η_y, ln h₀, y₀, w₀) when it is fitted too (18 variables).
/// Each sensitivity obeys s_k' = J·s_k + ∂f/∂θ_k; the rate sensitivities start at zero and the initial-state ones at
/// ∂x(0)/∂θ_k (<see cref="InitialSensitivities"/>), their forcing being zero.
/// </summary>
public readonly struct TwoPointSensitivitySystem : IOdeSystem
{
    /// <summary>Parameters of a fit from the measured initial state: ln η_h, ln η_y.</summary>
    public const int RateParameters = 2;

    /// <summary>Parameters of a fit that also estimates the initial state: ln η_h, ln η_y, ln h₀, y₀, w₀.</summary>
    public const int AllParameters = 5;

    private readonly TwoPointSystem _system;
    private readonly int _parameters;

    /// <summary>Wraps <paramref name="system"/> with the sensitivities to the two log-rates.</summary>
    /// <param name="system">The base system.</param>
    public TwoPointSensitivitySystem(TwoPointSystem system) : this(system, RateParameters)
    {
    }

    /// <summary>Wraps <paramref name="system"/> with the sensitivities to <paramref name="parameters"/> parameters.</summary>
    /// <param name="system">The base system.</param>
    /// <param name="parameters"><see cref="RateParameters"/> or <see cref="AllParameters"/>.</param>
    public TwoPointSensitivitySystem(TwoPointSystem system, int parameters)
    {
        if (parameters is not (RateParameters or AllParameters))
        {
            Core.Throw.Argument(nameof(parameters), $"parameters is {parameters}; expected {RateParameters} or {AllParameters}.");
        }

        _system = system;
        _parameters = parameters;
    }

    /// <inheritdoc />
    public int Dimension => 3 + 3 * _parameters;

    /// <summary>Number of parameters whose sensitivities are integrated.</summary>
    public int Parameters => _parameters;

    /// <summary>
    /// Writes the augmented initial state for the start (h₀, y₀, w₀): the state, zero rate sensitivities and, for the
    /// initial-state parameters, ∂x(0)/∂ln h₀ = (h₀, 0, 0), ∂x(0)/∂y₀ = (0, 1, 0), ∂x(0)/∂w₀ = (0, 0, 1).
    /// </summary>
    /// <param name="h0">h₀.</param>
    /// <param name="y0">y₀.</param>
    /// <param name="w0">w₀.</param>
    /// <param name="x0">Receives <see cref="Dimension"/> values.</param>
    public void InitialSensitivities(double h0, double y0, double w0, Span<double> x0)
    {
        x0[..Dimension].Clear();
        x0[0] = h0;
        x0[1] = y0;
        x0[2] = w0;
        if (_parameters == AllParameters)
        {
            x0[9] = h0;
            x0[13] = 1.0;
            x0[17] = 1.0;
        }
    }

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
            for (int k = 2; k < _parameters; k++)
            {
                int c = 3 + 3 * k;
                dxdt[c + i] = j[3 * i] * x[c] + j[3 * i + 1] * x[c + 1] + j[3 * i + 2] * x[c + 2];
            }
        }
    }
}
