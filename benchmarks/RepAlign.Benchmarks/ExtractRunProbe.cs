using System.Globalization;
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
/// sessions), and the CUDA plan's sessions with staged outputs. Prints, per way, the medians of images/s (sessions and
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
        var all = ways.Select(_ => new List<BulkExtractSummary>()).ToArray();
        for (var rep = 0; rep < repetitions; rep++)
            for (var k = 0; k < ways.Length; k++)
                all[k].Add(BulkPairExtractor.Extract(ways[k].Request));
        double Median(int k, Func<BulkExtractSummary, double> f) => ProbeArgs.Median(all[k].Select(f));
        for (var k = 0; k < ways.Length; k++)
        {
            var total = Median(k, s => s.ImagesPerSecond);
            var forward = Median(k, s => s.ForwardImagesPerSecond);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ways[k].Name}: {total:F0} images/s ({total / Median(0, s => s.ImagesPerSecond):F2}×), forward {forward:F0} images/s ({forward / Median(0, s => s.ForwardImagesPerSecond):F2}×); {all[k][^1].Execution}"));
        }
        return 0;
    }
}
