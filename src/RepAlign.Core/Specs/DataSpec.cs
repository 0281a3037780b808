using RepAlign.Core.Data;

namespace RepAlign.Core.Specs;

/// <summary>Data sets RepAlign trains on.</summary>
public enum DataKind
{
    /// <summary>The paper's two points (dx2, dy2, input and output dimension).</summary>
    TwoPoint,
    /// <summary>MNIST digits from IDX files.</summary>
    Mnist,
    /// <summary>The four XOR points {0,1}² with target x₁ XOR x₂ (docs/theory.md §3 item 7).</summary>
    Xor,
    /// <summary>25 Gaussian blobs on a 5×5 grid, each with two one-hot contexts (docs/theory.md §3 item 9).</summary>
    ContextBlobs,
}

/// <summary>The data set: the paper's two points, XOR, context blobs or MNIST digits.</summary>
public sealed record DataSpec
{
    /// <summary>Data set kind.</summary>
    public DataKind Kind { get; init; } = DataKind.TwoPoint;

    /// <summary>Squared input distance ‖x_B − x_A‖² of the two points.</summary>
    public double Dx2 { get; init; } = 1.0;

    /// <summary>Squared target distance ‖y_B* − y_A*‖² of the two points.</summary>
    public double Dy2 { get; init; } = 0.5;

    /// <summary>Input dimension.</summary>
    public int InputDim { get; init; } = 1;

    /// <summary>Output dimension.</summary>
    public int OutputDim { get; init; } = 1;

    /// <summary>Folder of IDX files (gzip or not) for "mnist"; relative paths are relative to the working directory.</summary>
    public string Path { get; init; } = "data/mnist-10k";

    /// <summary>Input normalisation for "mnist": mnist = (pixel/255 − 0.1307)/0.3081, none = pixel/255.</summary>
    public MnistNormalization Normalize { get; init; } = MnistNormalization.Mnist;

    /// <summary>The last N images of the file, held out (by position) for validation accuracy and linear probes.</summary>
    public int HeldOut { get; init; } = 1000;
}
