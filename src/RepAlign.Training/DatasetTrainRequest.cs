namespace RepAlign.Training;

/// <summary>What a data-set training run (e.g. MNIST) is asked to do: the examples themselves, beside <see cref="TrainRequest"/>.</summary>
public sealed record DatasetTrainRequest : TrainRequest
{
    /// <summary>Inputs, <see cref="Count"/> × <see cref="InputDim"/>, row-major.</summary>
    public float[] X { get; init; } = [];

    /// <summary>Targets, <see cref="Count"/> × <see cref="OutputDim"/>, row-major (e.g. one-hot).</summary>
    public float[] Y { get; init; } = [];

    /// <summary>Number of examples N.</summary>
    public int Count { get; init; }

    /// <summary>Input dimension d_in.</summary>
    public int InputDim { get; init; }

    /// <summary>Output dimension d_out.</summary>
    public int OutputDim { get; init; }
}
