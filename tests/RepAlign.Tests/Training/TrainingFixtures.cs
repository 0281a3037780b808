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

    /// <summary>
    /// Extracts every checkpoint of a run with ONNX Runtime and holds each (epoch, layer, pair) to its online record
    /// with <see cref="AssertAgree"/>; returns the extracted rows.
    /// </summary>
    public static IReadOnlyList<RepAlign.Core.Tables.PairRow> AssertExtractionMatchesOnline(string label, PointSetTrainRequest request, TrainResult result)
    {
        var extracted = RepAlign.Inference.PointSetExtractor.Extract(result.Checkpoints.Select(c => (c.Epoch, c.Path)), request.Data,
            request.TrackLayers, new RepAlign.Inference.InferenceOptions { Threads = 1 });
        var points = RepAlign.Core.Data.PointSet.Of(request.Data);
        Assert.Equal(result.Checkpoints.Count * request.TrackLayers.Count * points.Pairs.Count, extracted.Count);
        var scale = 1 + points.Y.Max(Math.Abs);
        var online = result.Online.ToDictionary(r => (r.Epoch, r.Layer, r.Pair));
        foreach (var row in extracted)
        {
            var o = online[(row.Epoch, row.Layer, row.Pair)];
            AssertAgree($"{label} epoch {row.Epoch} layer {row.Layer} pair {row.Pair}", new(o.H2, o.Y2, o.W), new(row.H2, row.Y2, row.W),
                scale, points.PairDy2[row.Pair]);
        }
        return extracted;
    }
}
