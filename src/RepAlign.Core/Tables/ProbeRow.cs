using System.Text.Json.Serialization;

namespace RepAlign.Core.Tables;

/// <summary>One row of extract/probes: held-out accuracy of a linear probe on one layer at one checkpoint.</summary>
public sealed class ProbeRow
{
    /// <summary>Checkpoint epoch.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Hidden layer index.</summary>
    [JsonPropertyName("layer")] public int Layer { get; set; }
    /// <summary>Held-out accuracy of the multiclass linear classifier (NaN when too few images or classes).</summary>
    [JsonPropertyName("accuracy")] public double Accuracy { get; set; }
    /// <summary>Images the probe was trained on.</summary>
    [JsonPropertyName("train_images")] public int TrainImages { get; set; }
    /// <summary>Held-out images it was evaluated on.</summary>
    [JsonPropertyName("test_images")] public int TestImages { get; set; }
}
