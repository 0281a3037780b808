namespace RepAlign.Core.Checkpoints;

/// <summary>Tensor and metadata names of RepAlign's ONNX checkpoints: the contract between training (which writes them) and extraction (which reads them).</summary>
public static class OnnxNames
{
    /// <summary>The graph input, shape [batch, d_in].</summary>
    public const string Input = "input";

    /// <summary>The prediction output, shape [batch, d_out].</summary>
    public const string Output = "output";

    /// <summary>The symbolic batch dimension.</summary>
    public const string BatchDim = "batch";

    /// <summary>Prefix of hidden outputs: <c>hidden_k</c> is hidden layer k's post-activation output.</summary>
    public const string HiddenPrefix = "hidden_";

    /// <summary>Metadata key of the JSON spec (model, data, train).</summary>
    public const string SpecKey = "repalign.spec";

    /// <summary>Metadata key of the epoch (weights before that epoch's update).</summary>
    public const string EpochKey = "repalign.epoch";

    /// <summary>Metadata key of the seed.</summary>
    public const string SeedKey = "repalign.seed";

    /// <summary>Metadata key of the RepAlign version that wrote the file.</summary>
    public const string VersionKey = "repalign.version";

    /// <summary>The output name of hidden layer <paramref name="k"/>.</summary>
    public static string Hidden(int k) => HiddenPrefix + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
