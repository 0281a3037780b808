using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Loop;
using RepAlign.Training.Native;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- two-point-phases [steps] [rounds]</c>: where the fast two-point step's time goes. The default network (20×500,
/// leaky ReLU, SGD lr 0.005, full batch of two points) is trained as <see cref="PointSetTrainer"/> trains it, with
/// each phase timed: the forward pass, the loss and its value, the record of the tracked pair, the update, the dispose
/// scope. Then the kernels alone on 19 weights of 500×500 (19 MB, more than a core's caches hold), as many steps:
/// <see cref="LinearForwardKernel"/> over the 19 layers, and <see cref="SgdOuterKernel.StepWithInputGradient"/> over the
/// same layers from the top down; what the step spends beyond them is libtorch's small operations. Last, the same
/// run's 256 MB copy (<see cref="MachineLimits.CopyBandwidth"/>) and the floor it gives the step. Medians over rounds;
/// one libtorch thread, as the pipelines train.
/// </summary>
internal static class TwoPointPhasesProbe
{
    private const int Layers = 19, Width = 500;

    public static int Run(string[] args)
    {
        var steps = ProbeArgs.Int(args, 0, 400);
        var rounds = ProbeArgs.Int(args, 1, 5);
        TorchRuntime.EnsureLoaded();
        TorchRuntime.UseThreads(1);
        Console.WriteLine($"two-point-phases: {steps} steps × {rounds} rounds, {MachineLimits.Load()}");
        var inv = CultureInfo.InvariantCulture;

        var phases = new StepPhases("forward", "loss and its value", "record", "update", "dispose scope");
        var stepMs = new List<double>[phases.Names.Count + 1];
        for (var i = 0; i < stepMs.Length; i++) stepMs[i] = [];
        var forwardKernels = new List<double>();
        var backwardKernels = new List<double>();
        var copies = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var ms = Trainer(steps, phases);
            for (var i = 0; i < ms.Length; i++) stepMs[i].Add(ms[i]);
            stepMs[^1].Add(ms.Sum());
            var (forward, backward) = KernelsAlone(steps);
            forwardKernels.Add(forward);
            backwardKernels.Add(backward);
            copies.Add(MachineLimits.CopyBandwidth(256, 5).Wall);
        }

        string Row(string name, List<double> values) =>
            string.Create(inv, $"{name,-44} {ProbeArgs.Median(values),8:F3}   [{string.Join(", ", values.Select(v => v.ToString("F3", inv)))}]");
        Console.WriteLine("the trainer's step, ms:");
        for (var i = 0; i < phases.Names.Count; i++) Console.WriteLine(Row("  " + phases.Names[i], stepMs[i]));
        Console.WriteLine(Row("  step", stepMs[^1]));
        Console.WriteLine(Row($"kernels alone, forward of {Layers} layers, ms", forwardKernels));
        Console.WriteLine(Row($"kernels alone, backward of {Layers} layers, ms", backwardKernels));
        Console.WriteLine(Row("copy 256 MB, GB/s", copies));
        var bytes = BareStep.TwoPointStepBytes();
        var floor = bytes / (ProbeArgs.Median(copies) * 1e9) * 1e3;
        var step = ProbeArgs.Median(stepMs[^1]);
        var kernels = ProbeArgs.Median(forwardKernels) + ProbeArgs.Median(backwardKernels);
        Console.WriteLine(string.Create(inv, $"floor {bytes / 1e6:F1} MB at the copy's rate: {floor:F3} ms; step / floor {step / floor:F2}; " +
            $"kernels alone {kernels:F3} ms ({kernels / step:P0} of the step), the weights' bytes they move ({3 * Layers * Width * Width * 4 / 1e6:F1} MB) at {3 * Layers * Width * Width * 4 / (kernels * 1e-3) / 1e9:F1} GB/s"));
        return 0;
    }

    /// <summary>Milliseconds per step of each phase of <paramref name="steps"/> steps of a fresh default two-point run.</summary>
    private static double[] Trainer(int steps, StepPhases phases)
    {
        var request = new PointSetTrainRequest { Train = new TrainSpec { Lr = 0.005, Epochs = steps, Threads = 1 } };
        var data = PointSetTrainer.Validate(request); // the default two points, as the trainer builds them
        using var session = new TrainingSession(request.Model, request.Train, data.InputDim, data.OutputDim, StepPath.Fast);
        using var x = tensor(data.X, [data.Count, data.InputDim]); // (2, d_in)
        using var y = tensor(data.Y, [data.Count, data.OutputDim]); // (2, d_out)
        var probe = new PairProbe(data.Pairs, request.TrackLayers, data.Y, data.OutputDim, data.Count);
        var metrics = new PairMetrics[data.Pairs.Count * request.TrackLayers.Count];
        var predictions = new float[data.Y.Length];
        phases.Reset();
        for (var s = 0; s < steps; s++)
        {
            phases.Start();
            var scope = NewDisposeScope();
            var pass = session.TrainingForward(x); // (2, d_in) → hidden (2, 500), output (2, d_out)
            phases.Lap(0);
            var loss = session.Loss(pass.Output, y);
            _ = loss.item<float>();
            phases.Lap(1);
            probe.Measure(pass, metrics, predictions);
            phases.Lap(2);
            session.Update(x, pass, y, loss);
            phases.Lap(3);
            scope.Dispose();
            phases.Lap(4);
            phases.EndStep();
        }
        return phases.MsPerStep();
    }

    /// <summary>Milliseconds per step of the forward and the backward kernels alone over <see cref="Layers"/> weights of <see cref="Width"/>².</summary>
    private static (double Forward, double Backward) KernelsAlone(int steps)
    {
        var random = new Random(1);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5) * 0.05f).ToArray();
        var weights = Enumerable.Range(0, Layers).Select(_ => Draw(Width * Width)).ToArray();
        var hidden = Enumerable.Range(0, Layers + 1).Select(_ => Draw(2 * Width)).ToArray(); // (2, 500) each: inputs, and δ above
        var bias = Draw(Width);
        var output = new float[2 * Width];
        var below = new float[2 * Width];
        const float Slope = 0.01f, NegativeLr = -1e-9f; // a tiny step: the weights stay as drawn
        var start = Stopwatch.GetTimestamp();
        for (var s = 0; s < steps; s++)
            for (var k = 0; k < Layers; k++) LinearForwardKernel.Forward(hidden[k], weights[k], bias, output, 2, Slope);
        var middle = Stopwatch.GetTimestamp();
        for (var s = 0; s < steps; s++)
            for (var k = Layers - 1; k >= 0; k--) SgdOuterKernel.StepWithInputGradient(weights[k], hidden[k + 1], hidden[k], below, 2, NegativeLr, Slope);
        var end = Stopwatch.GetTimestamp();
        double Ms(long from, long to) => 1000.0 * (to - from) / Stopwatch.Frequency / steps;
        return (Ms(start, middle), Ms(middle, end));
    }
}
