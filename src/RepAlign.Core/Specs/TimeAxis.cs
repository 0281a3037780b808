namespace RepAlign.Core.Specs;

/// <summary>What one unit of fitted time t is: an epoch (the default) or one optimiser step (checkpoints whose names give steps).</summary>
public enum TimeAxis
{
    /// <summary>t = the checkpoint's epoch.</summary>
    Epoch,

    /// <summary>t = the checkpoint's training step (e.g. PyTorch Lightning's <c>epoch=N-step=M</c>).</summary>
    Step,
}
