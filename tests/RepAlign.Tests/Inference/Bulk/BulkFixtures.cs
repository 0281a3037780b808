using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using static TorchSharp.torch;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Tests.Inference.Bulk;

/// <summary>Tiny ONNX checkpoints (exported by RepAlign's own exporter) and synthetic labelled data for the bulk-extraction tests.</summary>
internal static class BulkFixtures
{
    /// <summary>Writes <paramref name="count"/> checkpoints of an MLP inputDim → width×depth → outputDim, each with other weights (<see cref="Network"/> c), as epochs 0, 3, 6, ….</summary>
    public static List<(int Epoch, string Path)> Checkpoints(string folder, int count, int inputDim = 784, int width = 16, int depth = 3, int outputDim = 10)
    {
        var list = new List<(int, string)>();
        for (var c = 0; c < count; c++)
        {
            using var net = Network(c, inputDim, width, depth, outputDim);
            var epoch = 3 * c;
            var path = Path.Combine(folder, OnnxExporter.FileName(epoch));
            OnnxExporter.Write(net, new CheckpointInfo(Model(width, depth), new DataSpec { InputDim = inputDim, OutputDim = outputDim }, new TrainSpec { Seed = c }, epoch), path);
            list.Add((epoch, path));
        }
        return list;
    }

    /// <summary>The network of checkpoint <paramref name="c"/> of <see cref="Checkpoints"/>, in TorchSharp (the caller disposes it).</summary>
    public static RepNetwork Network(int c, int inputDim = 784, int width = 16, int depth = 3, int outputDim = 10)
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator((ulong)(100 + c), CPU);
        var net = NetworkFactory.Create(Model(width, depth), inputDim, outputDim, generator);
        using (no_grad())
        {
            // Non-zero biases, so that a bias mistake anywhere would show.
            foreach (var p in net.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)))
                p.parameter.uniform_(-0.5, 0.5, generator);
        }
        return net;
    }

    private static ModelSpec Model(int width, int depth) => new() { Width = width, Depth = depth, Activation = Activation.LeakyRelu, Gain = 1.3 };

    /// <summary>n synthetic images (standard normal values), labels 0..9 and their one-hot targets, seeded.</summary>
    public static (float[] Images, int[] Labels, float[] Targets) Data(int n, int inputDim = 784, int seed = 1)
    {
        var rng = new Random(seed);
        var images = new float[n * inputDim];
        for (var i = 0; i < images.Length; i++) images[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(10)).ToArray();
        var targets = RepAlign.Core.Data.MnistDataset.OneHot(labels.Select(l => (byte)l).ToArray());
        return (images, labels, targets);
    }
}
