namespace RepAlign.Theory;

/// <summary>
/// A first-order ODE system dx/dt = f(t, x). Implement it on a struct so the integrators,
/// which are generic over the system, are specialised and inlined by the JIT.
/// </summary>
public interface IOdeSystem
{
    /// <summary>Number of state variables.</summary>
    int Dimension { get; }

    /// <summary>Writes f(t, x) into <paramref name="dxdt"/> (length <see cref="Dimension"/>).</summary>
    /// <param name="t">Time.</param>
    /// <param name="x">State, length <see cref="Dimension"/>.</param>
    /// <param name="dxdt">Receives the derivative.</param>
    void Evaluate(double t, ReadOnlySpan<double> x, Span<double> dxdt);
}

/// <summary>
/// Receives the solution at each requested output time, in order. Implement it on a struct and pass
/// it by reference so it can accumulate (e.g. a residual sum) without allocating.
/// </summary>
public interface IDenseObserver
{
    /// <summary>Called once per output time.</summary>
    /// <param name="index">Index into the output-time list.</param>
    /// <param name="t">The output time.</param>
    /// <param name="x">The state at <paramref name="t"/>.</param>
    /// <returns>True to continue, false to stop the integration early.</returns>
    bool Observe(int index, double t, ReadOnlySpan<double> x);
}

/// <summary>How an integration ended.</summary>
public enum IntegrationOutcome
{
    /// <summary>Every output time was reached.</summary>
    Completed,

    /// <summary>The observer asked to stop.</summary>
    Aborted,

    /// <summary>The state became NaN or infinite.</summary>
    NonFinite,

    /// <summary>The adaptive step shrank below its floor (the problem is too stiff or singular there).</summary>
    StepSizeUnderflow,

    /// <summary>The step budget was exhausted.</summary>
    MaxStepsExceeded,
}

/// <summary>An observer that copies each output state into a row-major buffer (outputs × dimension).</summary>
public struct BufferObserver : IDenseObserver
{
    private readonly double[] _buffer;
    private readonly int _dimension;

    /// <summary>Creates an observer writing into <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Destination, length ≥ outputs × dimension.</param>
    /// <param name="dimension">State dimension.</param>
    public BufferObserver(double[] buffer, int dimension)
    {
        _buffer = buffer;
        _dimension = dimension;
    }

    /// <inheritdoc />
    public readonly bool Observe(int index, double t, ReadOnlySpan<double> x)
    {
        x.CopyTo(_buffer.AsSpan(index * _dimension, _dimension));
        return true;
    }
}
