using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Core.Runs;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- linear-probe RUN_FOLDER [every]</c>: the linear probes of a finished MNIST run (the main job), every
/// <c>every</c>-th checkpoint, computed as the extract stage did first (<see cref="LinearProbe.Evaluate"/> with
/// <c>reference: true</c> layer after layer: ML.NET's normaliser, the training rows normalised on every pass) and as it
/// does now (<see cref="PendingProbes"/>: features scaled as the normaliser scales them, cached rows, probes on the
/// thread pool), on the same representations (ONNX Runtime over the run's distinct pair images, in the
/// extract stage's order): wall and CPU seconds of each, and the largest accuracy difference over every (layer,
/// checkpoint); and, for scale, the largest difference that twice the L-BFGS iterations make.
/// </summary>
internal static class LinearProbeProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 1) throw new ArgumentException("usage: linear-probe RUN_FOLDER [every]");
        var layout = new RunLayout(Path.GetFullPath(args[0]));
        var every = ProbeArgs.Int(args, 1, 1);
        var spec = RunManifest.Read(layout.Manifest).Spec;
        var data = MnistData.Load(spec.Data);
        var labels = data.Train.Labels.Select(l => (int)l).ToArray();
        var selection = PairSelection.Select(spec.Extract.Pairs, data.Train.Labels, (ulong)spec.Train.Seed);
        var layers = TrackedLayers.Of(spec);
        var images = selection.Pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().Order().ToArray(); // the extract stage's buffer order
        var imageLabels = images.Select(i => labels[i]).ToArray();
        var checkpoints = CheckpointIndex.Read(layout.CheckpointIndex).Where((_, i) => i % every == 0).ToArray();
        var request = new BulkExtractRequest { Images = data.Train.Images, InputWidth = MnistDataset.PixelCount, BatchSize = 2048 };
        var outputs = layers.Select(OnnxNames.Hidden).ToArray();
        Console.WriteLine($"linear-probe: {checkpoints.Length} checkpoints × {layers.Count} layers, {images.Length} images, {MachineLimits.Load()}");

        var reference = new Stopwatch();
        var fast = new Stopwatch();
        double referenceCpu = 0, fastCpu = 0;
        var largest = (Difference: 0.0, Epoch: -1, Layer: -1);
        var probes = 0;
        var differing = 0;
        var longer = 0.0; // largest difference of 40 iterations from 20: how far the probe is from converged
        var inv = CultureInfo.InvariantCulture;
        foreach (var entry in checkpoints)
        {
            var representations = outputs.Select(_ => Array.Empty<float>()).ToArray();
            var widths = new int[outputs.Length];
            using (var runner = new OnnxModelRunner(layout.Absolute(Path.Combine("checkpoints", entry.File)), new InferenceOptions()))
            using (var batches = new BatchRunner(2048, outputs, stageOutputs: false))
            {
                batches.Attach(runner);
                for (var k = 0; k < outputs.Length; k++)
                {
                    widths[k] = runner.OutputWidth(outputs[k]);
                    representations[k] = new float[images.Length * widths[k]];
                }
                BatchedForward.Run(batches, request, images, 0, images.Length, representations, widths);
            }
            var cpu = CpuClock.Process();
            reference.Start();
            var expected = layers.Select((_, l) => LinearProbe.Evaluate(representations[l], images.Length, widths[l], imageLabels, spec.Train.Seed, reference: true)).ToArray();
            reference.Stop();
            referenceCpu += CpuClock.Process() - cpu;
            cpu = CpuClock.Process();
            fast.Start();
            ProbeResult[] actual;
            using (var pending = new PendingProbes())
            {
                pending.Start(entry.Epoch, representations.Select(r => r.ToArray()).ToArray(), images.Length, widths, imageLabels, spec.Train.Seed);
                actual = pending.Completed(wait: int.MaxValue).Single().Results;
            }
            fast.Stop();
            fastCpu += CpuClock.Process() - cpu;
            for (var l = 0; l < layers.Count; l++)
            {
                probes++;
                var difference = Math.Abs(actual[l].Accuracy - expected[l].Accuracy);
                if (difference > 0) differing++;
                if (difference > largest.Difference) largest = (difference, entry.Epoch, layers[l]);
                var converging = LinearProbe.Evaluate(representations[l], images.Length, widths[l], imageLabels, spec.Train.Seed, iterations: 2 * LinearProbe.Iterations);
                longer = Math.Max(longer, Math.Abs(converging.Accuracy - expected[l].Accuracy));
            }
        }
        Console.WriteLine(string.Create(inv, $"reference (ML.NET's normaliser, layer after layer, rows normalised on every pass): {reference.Elapsed.TotalSeconds:F2} s wall, {referenceCpu:F2} s CPU, {1000 * reference.Elapsed.TotalSeconds / probes:F2} ms per probe"));
        Console.WriteLine(string.Create(inv, $"now (own scaling, cached rows, probes on the thread pool): {fast.Elapsed.TotalSeconds:F2} s wall, {fastCpu:F2} s CPU, {1000 * fast.Elapsed.TotalSeconds / probes:F2} ms per probe; " +
            $"wall ratio {fast.Elapsed.TotalSeconds / reference.Elapsed.TotalSeconds:F3}, CPU ratio {fastCpu / referenceCpu:F3}"));
        var where = largest.Epoch < 0 ? "" : $" (epoch {largest.Epoch}, layer {largest.Layer})";
        Console.WriteLine(string.Create(inv, $"{probes} probes, {differing} with a different accuracy; largest difference {100 * largest.Difference:F2} percentage points{where}"));
        Console.WriteLine(string.Create(inv, $"{2 * LinearProbe.Iterations} L-BFGS iterations instead of {LinearProbe.Iterations}: largest accuracy difference {100 * longer:F2} percentage points"));
        Console.WriteLine($"end: {MachineLimits.Load()}");
        return 0;
    }
}
