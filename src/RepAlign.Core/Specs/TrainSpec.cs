namespace RepAlign.Core.Specs;

/// <summary>Optimisers.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent.</summary>
    Sgd,
    /// <summary>Adam with default betas.</summary>
    Adam,
}

/// <summary>Training: optimiser, learning rate, epochs, seed and batching. Loss is 0.5·MSE.</summary>
public sealed record TrainSpec
{
    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Learning rate (&gt; 0).</summary>
    public double Lr { get; init; } = 0.005;

    /// <summary>Number of epochs (parameter updates when the batch is the whole set).</summary>
    public int Epochs { get; init; } = 6000;

    /// <summary>Seed of the initial weights and the shuffle.</summary>
    public int Seed { get; init; }

    /// <summary>Mini-batch size; 0 = full batch.</summary>
    public int Batch { get; init; }

    /// <summary>Stop once the full-batch loss falls below this (0 = run every epoch); point-set data only.</summary>
    public double StopLoss { get; init; }

    /// <summary>libtorch intra-op threads for this run (1 suits parallel sweeps).</summary>
    public int Threads { get; init; } = 1;
}
