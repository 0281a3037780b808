using System.Globalization;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Benchmarks;

/// <summary>
/// Console mode: the extract stage's inference on a real run's checkpoints (the main job's 201, 450 pairs × 4 layers),
/// on the CPU, in the ways <see cref="ExecutionPlan"/> can run it, interleaved so all see the same load: a fresh
/// session per checkpoint (the CPU's plan, the baseline), one weight-swap session per worker (the CUDA plan's
/// sessions), and the CUDA plan's sessions with staged outputs, against the path before the execution plan
/// (<c>session.Run</c> per batch on a fresh session per checkpoint, no IOBinding), the baseline. Prints, per way, the medians of images/s (sessions and
/// weights included) and of the forward pass alone, and their ratios to the baseline.
/// </summary>
public static class ExtractRunProbe
{
    /// <summary>Runs the comparison.</summary>
    /// <param name="args">CHECKPOINT_DIR, then optional repetitions (default 5), workers (default: cores) and pipeline (default pipelines/mnist-pairs.toml).</param>
    /// <returns>Exit code 0, or 2 without a checkpoint folder.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: extract-run CHECKPOINT_DIR [repetitions] [workers] [pipeline.toml]");
            return 2;
        }
        var checkpoints = Directory.GetFiles(args[0], "epoch-*.onnx").Order(StringComparer.Ordinal)
            .Select((path, k) => (k, path)).ToArray();
        var repetitions = ProbeArgs.Int(args, 1, 5);
        var workers = ProbeArgs.Int(args, 2, Environment.ProcessorCount);
        var spec = PipelineFile.Load(args.Length > 3 ? args[3] : "pipelines/mnist-pairs.toml");
        var data = MnistData.Load(spec.Data);
        var selection = data.Pairs(spec);
        using var scratch = ProbeArgs.Folder("extract-run");
        var request = new BulkExtractRequest
        {
            Checkpoints = checkpoints,
            Images = data.Train.Images, InputWidth = MnistDataset.PixelCount,
            Targets = data.Train.OneHotTargets(), TargetWidth = MnistDataset.ClassCount,
            Labels = data.Train.Labels.Select(l => (int)l).ToArray(),
            Pairs = selection.Pairs,
            Layers = Enumerable.Range(0, spec.Model.Depth).ToArray(),
            Inference = new InferenceOptions { Threads = 1 },
            Workers = workers,
            BatchSize = spec.Extract.BatchSize,
            OutputParquet = Path.Combine(scratch.Path, "pairs.parquet"),
        };
        (string Name, BulkExtractRequest Request)[] ways =
        [
            ("session per checkpoint (cpu plan)", request with { ReuseSessions = false, StageOutputs = false }),
            ("weight-swap sessions", request with { ReuseSessions = true, StageOutputs = false }),
            ("weight-swap, staged outputs (cuda plan)", request with { ReuseSessions = true, StageOutputs = true }),
        ];
        Console.WriteLine($"{checkpoints.Length} checkpoints, {selection.Count} pairs × {request.Layers.Count} layers, workers {workers}, batch {request.BatchSize}, repetitions {repetitions}");
        var images = selection.Pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().ToArray();
        var all = ways.Select(_ => new List<BulkExtractSummary>()).ToArray();
        var before = new List<BulkExtractSummary>();
        for (var rep = 0; rep < repetitions; rep++)
        {
            before.Add(SessionRunPerCheckpoint(request, images));
            for (var k = 0; k < ways.Length; k++)
                all[k].Add(BulkPairExtractor.Extract(ways[k].Request));
        }
        var baseline = ProbeArgs.Median(before.Select(s => s.ImagesPerSecond));
        var baselineForward = ProbeArgs.Median(before.Select(s => s.ForwardImagesPerSecond));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"session.Run per checkpoint, no IOBinding (the path before the CUDA plan): {baseline:F0} images/s (1.00×), forward {baselineForward:F0} images/s (1.00×)"));
        for (var k = 0; k < ways.Length; k++)
        {
            var total = ProbeArgs.Median(all[k].Select(s => s.ImagesPerSecond));
            var forward = ProbeArgs.Median(all[k].Select(s => s.ForwardImagesPerSecond));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ways[k].Name}: {total:F0} images/s ({total / baseline:F2}×), forward {forward:F0} images/s ({forward / baselineForward:F2}×); {all[k][^1].Execution}"));
        }
        return 0;
    }

    /// <summary>
    /// The inference of the extract stage as it ran before the execution plan: per checkpoint, one fresh session per
    /// worker, each running its share of the images through <c>session.Run</c> with outputs written in place (no IOBinding).
    /// Only ONNX Runtime's part is timed, as <see cref="BulkExtractSummary.InferenceSeconds"/> times it.
    /// </summary>
    private static BulkExtractSummary SessionRunPerCheckpoint(BulkExtractRequest request, int[] images)
    {
        var outputs = request.Layers.Select(OnnxNames.Hidden).Append(request.PredictionOutput).ToArray();
        var workers = Math.Min(request.Workers, images.Length);
        var batch = Math.Min(request.BatchSize, images.Length);
        var inputs = Enumerable.Range(0, workers).Select(_ => new float[batch * request.InputWidth]).ToArray(); // per worker (B, d_in)
        var representations = new float[outputs.Length][];
        var widths = new int[outputs.Length];
        var inference = new System.Diagnostics.Stopwatch();
        var forward = new System.Diagnostics.Stopwatch();
        foreach (var (_, path) in request.Checkpoints)
        {
            inference.Start();
            var runners = Enumerable.Range(0, workers).Select(_ => new OnnxModelRunner(path, request.Inference)).ToArray();
            for (var k = 0; k < outputs.Length; k++)
            {
                widths[k] = runners[0].OutputWidth(outputs[k]);
                representations[k] ??= new float[images.Length * widths[k]]; // (D, width_k)
            }
            forward.Start();
            void Share(int w)
            {
                var first = (int)((long)images.Length * w / workers);
                var end = (int)((long)images.Length * (w + 1) / workers);
                var input = inputs[w];
                for (var start = first; start < end; start += batch)
                {
                    var rows = Math.Min(batch, end - start);
                    for (var r = 0; r < rows; r++)
                        request.Images.AsSpan(images[start + r] * request.InputWidth, request.InputWidth).CopyTo(input.AsSpan(r * request.InputWidth));
                    var destinations = outputs.Select((_, k) => representations[k].AsMemory(start * widths[k], rows * widths[k])).ToArray(); // (rows, width_k)
                    runners[w].RunInto(input.AsMemory(0, rows * request.InputWidth), rows, outputs, destinations);
                }
            }
            // As the stage ran then: a dedicated thread per worker and checkpoint.
            Task.WaitAll(Enumerable.Range(0, workers).Select(w => Task.Factory.StartNew(() => Share(w), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray());
            forward.Stop();
            foreach (var runner in runners) runner.Dispose();
            inference.Stop();
        }
        return new BulkExtractSummary(0, request.Checkpoints.Count, request.Pairs.Length, request.Layers.Count, images.Length,
            inference.Elapsed.TotalSeconds, inference.Elapsed.TotalSeconds, 0, 0, 0, forward.Elapsed.TotalSeconds);
    }
}
