using System.Diagnostics;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training.Native;
using RepAlign.Training.PyTorch;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- pytorch-import [checkpoints] [images] [repeats] [width] [depth]</c>: how reanalysis should run PyTorch weight
/// files, per checkpoint, from the .pt file to every hidden layer's and the output's values on MNIST images:
/// <list type="bullet">
/// <item>ONNX (what reanalysis does): the file read into RepAlign's network, exported to an in-memory ONNX model,
/// written and run by ONNX Runtime (one thread, batches of 1024), as the bulk extractor runs every checkpoint;</item>
/// <item>TorchSharp: the file read into the same network and its forward pass run by libtorch (one thread, eval mode,
/// batches of 1024), the values copied out.</item>
/// </list>
/// Both start from the same file, alternate within each repeat, and must give the same values (the largest
/// difference is printed). Reading the file (TorchSharp.PyBridge) is shared and timed on its own.
/// </summary>
public static class PyTorchImportProbe
{
    private const int Batch = 1024;

    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        var checkpoints = ProbeArgs.Int(args, 0, 5);
        var images = ProbeArgs.Int(args, 1, 10_000);
        var repeats = ProbeArgs.Int(args, 2, 5);
        var model = new ModelSpec { Width = ProbeArgs.Int(args, 3, 64), Depth = ProbeArgs.Int(args, 4, 3), Activation = Activation.LeakyRelu };
        TorchRuntime.EnsureLoaded();
        TorchRuntime.UseThreads(1);
        using var scratch = ProbeArgs.Folder("pytorch-import");
        var files = Enumerable.Range(0, checkpoints).Select(k => Save(model, k, Path.Combine(scratch.Path, $"epoch_{k}.pt"))).ToArray();
        var x = MnistDataset.Load(Path.Combine("data", "mnist-10k")).Images;
        x = x[..(Math.Min(images, x.Length / 784) * 784)];
        var rows = x.Length / 784;
        Console.WriteLine($"{checkpoints} checkpoints of 784-{string.Join("-", Enumerable.Repeat(model.Width, model.Depth))}-10 ({model.Activation}), {rows} images, {repeats} repeats, {Environment.ProcessorCount} cores");

        var (read, onnx, torchSharp) = (new List<double>(), new List<double>(), new List<double>());
        var worst = 0.0;
        for (var r = 0; r < repeats; r++)
        {
            double a = 0, b = 0, c = 0;
            foreach (var file in files)
            {
                var clock = Stopwatch.StartNew();
                StateDictReader.Read(file);
                a += clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                var viaOnnx = ViaOnnx(file, model, x, rows, scratch.Path);
                b += clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                var viaTorch = ViaTorchSharp(file, model, x, rows);
                c += clock.Elapsed.TotalMilliseconds;
                for (var k = 0; k < viaOnnx.Length; k++)
                    for (var i = 0; i < viaOnnx[k].Length; i++) worst = Math.Max(worst, Math.Abs(viaOnnx[k][i] - viaTorch[k][i]));
            }
            (read, onnx, torchSharp) = ([.. read, a / checkpoints], [.. onnx, b / checkpoints], [.. torchSharp, c / checkpoints]);
            Console.WriteLine($"repeat {r + 1}: per checkpoint: read {read[^1]:F1} ms; ONNX {onnx[^1]:F1} ms; TorchSharp {torchSharp[^1]:F1} ms");
        }
        var (mr, mo, mt) = (ProbeArgs.Median(read), ProbeArgs.Median(onnx), ProbeArgs.Median(torchSharp));
        Console.WriteLine($"median per checkpoint: read {mr:F1} ms; ONNX {mo:F1} ms; TorchSharp {mt:F1} ms; ratio TorchSharp/ONNX {mt / mo:F2}; largest difference {worst:E2}");
        return 0;
    }

    private static string Save(ModelSpec model, int seed, string path)
    {
        using var generator = new Generator((ulong)seed + 1, CPU);
        using var network = RepAlign.Training.Models.NetworkFactory.Create(model, 784, 10, generator);
        StateDictExport.Write(network, StateDictFormat.Pt, path);
        return path;
    }

    /// <summary>Reanalysis' path: in-memory ONNX, written as the extract stage writes it, run by ONNX Runtime.</summary>
    private static float[][] ViaOnnx(string file, ModelSpec model, float[] x, int rows, string folder)
    {
        var path = Path.Combine(folder, "exposed.onnx");
        File.WriteAllBytes(path, WeightImport.ToOnnx(file, model, null, 0));
        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        var names = Enumerable.Range(0, model.Depth).Select(OnnxNames.Hidden).Append(OnnxNames.Output).ToArray();
        var result = names.Select(n => new List<float>()).ToArray();
        for (var start = 0; start < rows; start += Batch)
        {
            var n = Math.Min(Batch, rows - start);
            var outputs = runner.Run(x.AsSpan(start * 784, n * 784), n, names);
            for (var k = 0; k < names.Length; k++) result[k].AddRange(outputs[k].Values);
        }
        return result.Select(r => r.ToArray()).ToArray();
    }

    /// <summary>The alternative: the network's own forward pass in libtorch.</summary>
    private static float[][] ViaTorchSharp(string file, ModelSpec model, float[] x, int rows)
    {
        using var network = WeightImport.Create(model);
        WeightImport.Load(network, file, null);
        network.eval();
        var result = Enumerable.Range(0, model.Depth + 1).Select(_ => new List<float>()).ToArray();
        using var noGrad = no_grad();
        for (var start = 0; start < rows; start += Batch)
        {
            using var scope = NewDisposeScope();
            var n = Math.Min(Batch, rows - start);
            using var input = tensor(x.AsSpan(start * 784, n * 784).ToArray(), [n, 784]); // (B, 784)
            var pass = network.Forward(input);
            for (var k = 0; k < model.Depth; k++) result[k].AddRange(pass.Hidden[k].data<float>().ToArray());
            result[model.Depth].AddRange(pass.Output.data<float>().ToArray());
        }
        return result.Select(r => r.ToArray()).ToArray();
    }
}
