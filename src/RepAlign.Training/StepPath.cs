namespace RepAlign.Training;

/// <summary>How a training step computes its gradient and applies the update. Both paths give bit-identical weights.</summary>
public enum StepPath
{
    /// <summary>
    /// A hand-written backward pass with the update applied layer by layer (plain MLPs with activation none, relu or
    /// leaky_relu); every other network takes the reference path.
    /// </summary>
    Fast,

    /// <summary>Autograd: gradients zeroed, accumulated in <c>.grad</c>, then a per-parameter update (the slow reference the fast path is checked against).</summary>
    Reference,
}
