namespace RepAlign.Theory;

/// <summary>
/// The closed 3-D two-point system of docs/theory.md §1 with state (h, y, w):
/// <code>
/// dh/dt = −η_h·dx2·w
/// dy/dt = −w·(η_y·h + η_h·dx2·y/h)
/// dw/dt = −½η_y(3w − y + dy2)h − ½η_h·dx2(y + w)w/h
/// </code>
/// t is in epochs (one full-batch step); the rates are the equations' own η, no factor 2 applied
/// (the paper's τ corresponds to η = 1/(2τ) under the 0.5·MSE loss). The altered systems of §3
/// item 6 are selected with <see cref="Variant"/>.
/// </summary>
public readonly struct TwoPointSystem : IOdeSystem
{
    private readonly double _p;      // η_h·dx2
    private readonly double _q;      // η_y
    private readonly double _aH;     // multiplier of dh/dt
    private readonly double _aY;     // multiplier of dy/dt
    private readonly double _bY;     // 1, or 0 when the η_h term is dropped from dy/dt
    private readonly double _sW;     // sign of the η_h term of dw/dt

    /// <summary>Creates the system.</summary>
    /// <param name="etaH">η_h (per epoch).</param>
    /// <param name="etaY">η_y (per epoch).</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="dy2">‖y2* − y1*‖².</param>
    /// <param name="variant">Which right-hand side.</param>
    public TwoPointSystem(double etaH, double etaY, double dx2, double dy2, DynamicsVariant variant = DynamicsVariant.True)
    {
        EtaH = etaH;
        EtaY = etaY;
        Dx2 = dx2;
        Dy2 = dy2;
        Variant = variant;
        _p = etaH * dx2;
        _q = etaY;
        _aH = variant == DynamicsVariant.DhTimesTwo ? 2.0 : 1.0;
        _aY = variant == DynamicsVariant.DyTimesTwo ? 2.0 : 1.0;
        _bY = variant == DynamicsVariant.NoEtaHInDy ? 0.0 : 1.0;
        _sW = variant == DynamicsVariant.WSignFlip ? -1.0 : 1.0;
    }

    /// <summary>η_h.</summary>
    public double EtaH { get; }

    /// <summary>η_y.</summary>
    public double EtaY { get; }

    /// <summary>dx2.</summary>
    public double Dx2 { get; }

    /// <summary>dy2.</summary>
    public double Dy2 { get; }

    /// <summary>The selected right-hand side.</summary>
    public DynamicsVariant Variant { get; }

    /// <inheritdoc />
    public int Dimension => 3;

    /// <inheritdoc />
    public void Evaluate(double t, ReadOnlySpan<double> x, Span<double> dxdt) =>
        Derivative(x[0], x[1], x[2], out dxdt[0], out dxdt[1], out dxdt[2]);

    /// <summary>The right-hand side at (h, y, w).</summary>
    /// <param name="h">h.</param>
    /// <param name="y">y.</param>
    /// <param name="w">w.</param>
    /// <param name="dh">dh/dt.</param>
    /// <param name="dy">dy/dt.</param>
    /// <param name="dw">dw/dt.</param>
    public void Derivative(double h, double y, double w, out double dh, out double dy, out double dw)
    {
        double invH = 1.0 / h;
        dh = -_aH * _p * w;
        dy = -_aY * w * (_q * h + _bY * _p * y * invH);
        dw = -0.5 * _q * (3.0 * w - y + Dy2) * h - _sW * 0.5 * _p * (y + w) * w * invH;
    }

    /// <summary>
    /// The Jacobian ∂f/∂(h, y, w) (row-major 3×3) and the parameter derivatives ∂f/∂ln η_h and
    /// ∂f/∂ln η_y at (h, y, w), as needed by the forward-sensitivity equations.
    /// </summary>
    /// <param name="h">h.</param>
    /// <param name="y">y.</param>
    /// <param name="w">w.</param>
    /// <param name="jacobian">Receives 9 entries, row i = ∂f_i/∂(h, y, w).</param>
    /// <param name="dLogEtaH">Receives 3 entries ∂f/∂ln η_h.</param>
    /// <param name="dLogEtaY">Receives 3 entries ∂f/∂ln η_y.</param>
    public void Jacobian(double h, double y, double w, Span<double> jacobian, Span<double> dLogEtaH, Span<double> dLogEtaY)
    {
        double invH = 1.0 / h;
        double invH2 = invH * invH;
        double p = _p, q = _q;

        jacobian[0] = 0.0;
        jacobian[1] = 0.0;
        jacobian[2] = -_aH * p;

        jacobian[3] = -_aY * w * (q - _bY * p * y * invH2);
        jacobian[4] = -_aY * w * _bY * p * invH;
        jacobian[5] = -_aY * (q * h + _bY * p * y * invH);

        jacobian[6] = -0.5 * q * (3.0 * w - y + Dy2) + _sW * 0.5 * p * (y + w) * w * invH2;
        jacobian[7] = 0.5 * q * h - _sW * 0.5 * p * w * invH;
        jacobian[8] = -1.5 * q * h - _sW * 0.5 * p * (y + 2.0 * w) * invH;

        dLogEtaH[0] = -_aH * p * w;
        dLogEtaH[1] = -_aY * w * _bY * p * y * invH;
        dLogEtaH[2] = -_sW * 0.5 * p * (y + w) * w * invH;

        dLogEtaY[0] = 0.0;
        dLogEtaY[1] = -_aY * w * q * h;
        dLogEtaY[2] = -0.5 * q * (3.0 * w - y + Dy2) * h;
    }

    /// <summary>The conserved quantity C = h/dx2 − (η_h/η_y)·y/h of the true system.</summary>
    /// <param name="h">h.</param>
    /// <param name="y">y.</param>
    public double ConservedQuantity(double h, double y) => ConservedQuantity(EtaH / EtaY, Dx2, h, y);

    /// <summary>C = h/dx2 − ratio·y/h with ratio = η_h/η_y.</summary>
    /// <param name="rateRatio">η_h/η_y.</param>
    /// <param name="dx2">dx2.</param>
    /// <param name="h">h.</param>
    /// <param name="y">y.</param>
    public static double ConservedQuantity(double rateRatio, double dx2, double h, double y) => h / dx2 - rateRatio * y / h;
}
