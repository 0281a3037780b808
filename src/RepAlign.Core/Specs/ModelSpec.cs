namespace RepAlign.Core.Specs;

/// <summary>Network architectures RepAlign trains.</summary>
public enum ModelKind
{
    /// <summary>Fully connected layers.</summary>
    Mlp,
    /// <summary>MLP whose layer n (1 &lt; n &lt; last) adds the activation of layer n−2.</summary>
    Resnet,
    /// <summary>Linear → Conv1d stack → Linear.</summary>
    Cnn,
    /// <summary>MLP with dropout before every linear layer.</summary>
    Dropout,
}

/// <summary>Elementwise nonlinearities.</summary>
public enum Activation
{
    /// <summary>Identity (a linear network).</summary>
    None,
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope 0.01.</summary>
    LeakyRelu,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Exponential linear unit (alpha 1).</summary>
    Elu,
    /// <summary>x · sigmoid(x) (swish).</summary>
    Silu,
}

/// <summary>The network: architecture, size, nonlinearity and initial scale.</summary>
public sealed record ModelSpec
{
    /// <summary>Architecture.</summary>
    public ModelKind Kind { get; init; } = ModelKind.Mlp;

    /// <summary>Hidden width P (units per hidden layer).</summary>
    public int Width { get; init; } = 500;

    /// <summary>Number of hidden layers L.</summary>
    public int Depth { get; init; } = 20;

    /// <summary>Nonlinearity after every hidden layer.</summary>
    public Activation Activation { get; init; } = Activation.LeakyRelu;

    /// <summary>Gain of the xavier_normal initialisation of every weight matrix.</summary>
    public double Gain { get; init; } = 1.0;

    /// <summary>Whether layers have biases (initialised to zero).</summary>
    public bool Bias { get; init; } = true;

    /// <summary>
    /// An ONNX file whose weights replace the seeded initialisation ("" = none): a network of the same
    /// architecture, e.g. another run's <c>epoch-00000.onnx</c> or a <c>torch.onnx.export</c> of the same model;
    /// or PyTorch weights of it (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>, <c>.safetensors</c>, Lightning's <c>.ckpt</c>).
    /// </summary>
    public string Init { get; init; } = "";

    /// <summary>Dropout probability of the dropout MLP.</summary>
    public double DropoutP { get; init; } = 0.1;
}
