using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Training;

namespace RepAlign.Tests.Training;

/// <summary>Small, fast settings shared by the training, export and extraction tests.</summary>
internal static class TrainingFixtures
{
    public static readonly Activation[] AllActivations = Enum.GetValues<Activation>();

    public static readonly ModelKind[] AllKinds = Enum.GetValues<ModelKind>();

    /// <summary>A small network of each kind: 4 × 16 fully connected; the cnn of depth 2 and width 41 (3 convolutions, read-out of 11).</summary>
    public static ModelSpec SmallModel(ModelKind kind, Activation activation = Activation.LeakyRelu, bool bias = true, double gain = 1.0) => kind switch
    {
        ModelKind.Cnn => new ModelSpec { Kind = kind, Width = 41, Depth = 2, Activation = activation, Bias = bias, Gain = gain },
        _ => new ModelSpec { Kind = kind, Width = 16, Depth = 4, Activation = activation, Bias = bias, Gain = gain, DropoutP = 0.2 },
    };

    /// <summary>Every model kind × every activation, with biases.</summary>
    public static TheoryData<ModelKind, Activation> KindsAndActivations()
    {
        var data = new TheoryData<ModelKind, Activation>();
        foreach (var kind in AllKinds)
            foreach (var activation in AllActivations) data.Add(kind, activation);
        return data;
    }

    /// <summary>Every model kind.</summary>
    public static TheoryData<ModelKind> Kinds() => new(AllKinds);

    public static PointSetTrainRequest Tiny(Activation activation = Activation.LeakyRelu, int epochs = 100, int seed = 7, double lr = 0.05) => new()
    {
        Model = new ModelSpec { Width = 32, Depth = 4, Activation = activation, Gain = 1.0 },
        Train = new TrainSpec { Lr = lr, Epochs = epochs, Seed = seed, Threads = 1 },
        Data = new DataSpec(),
        TrackLayers = [0, 2, 3],
    };

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    /// <summary>|a − b| ≤ rel · max(|a|, |b|) + abs.</summary>
    public static bool Close(double a, double b, double rel, double abs = 0) => Math.Abs(a - b) <= rel * Math.Max(Math.Abs(a), Math.Abs(b)) + abs;

    /// <summary>
    /// Online tracking (TorchSharp) against ONNX Runtime for one pair at one layer: h2 to 1e−5 relative; y2 and w,
    /// differences of two nearly equal float32 predictions, to 1e−5 of the output scale:
    /// |Δy2| ≤ 1e−5 (y2 + 2√y2 S), |Δw| ≤ 1e−5 (|w| + 2√y2 S + √dy2 S), S = 1 + the largest |target|.
    /// </summary>
    public static void AssertAgree(string where, PairMetrics online, PairMetrics onnx, double targetScale, double dy2)
    {
        var yScale = 2 * Math.Sqrt(Math.Max(online.Y2, onnx.Y2)) * targetScale;
        Assert.True(Close(online.H2, onnx.H2, 1e-5), $"{where} h2: online {online.H2} vs ONNX {onnx.H2}");
        Assert.True(Close(online.Y2, onnx.Y2, 1e-5, 1e-5 * yScale), $"{where} y2: online {online.Y2} vs ONNX {onnx.Y2}");
        Assert.True(Close(online.W, onnx.W, 1e-5, 1e-5 * (yScale + Math.Sqrt(dy2) * targetScale)), $"{where} w: online {online.W} vs ONNX {onnx.W}");
    }
}
