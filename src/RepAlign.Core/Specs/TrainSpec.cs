namespace RepAlign.Core.Specs;

/// <summary>Optimisers.</summary>
public enum OptimizerKind
{
    /// <summary>Plain stochastic gradient descent.</summary>
    Sgd,
    /// <summary>Adam with default betas.</summary>
    Adam,
}

/// <summary>Training losses.</summary>
public enum LossKind
{
    /// <summary>0.5 · mean squared error over rows and outputs (the paper's code for every experiment but XOR).</summary>
    HalfMse,
    /// <summary>Mean squared error over rows and outputs, PyTorch's <c>nn.MSELoss()</c> (the paper's XOR notebook).</summary>
    Mse,
}

/// <summary>Training: optimiser, loss, learning rate, epochs, seed and batching.</summary>
public sealed record TrainSpec
{
    /// <summary>Optimiser.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;

    /// <summary>Loss: 0.5·MSE (default) or MSE.</summary>
    public LossKind Loss { get; init; } = LossKind.HalfMse;

    /// <summary>Whether mini-batches visit the rows in a fresh seeded random order every epoch (false: file order).</summary>
    public bool Shuffle { get; init; } = true;

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

    /// <summary>
    /// Threads of this run's training (1 suits parallel sweeps): at 2 or more, a plain MLP under SGD with leaky relu or no
    /// activation shares each step between two threads with the weights of 1 (RepAlign's own kernels, whose sums have one
    /// order); other networks use as many libtorch intra-op threads, whose sums, and so weights, differ from count to count.
    /// </summary>
    public int Threads { get; init; } = 1;
}
