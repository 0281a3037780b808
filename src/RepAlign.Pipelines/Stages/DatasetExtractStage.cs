using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// The data-set extract: ONNX Runtime measures h2, y2 and w of every selected pair at every tracked layer from every
/// checkpoint in bulk (extract/pairs, with linear probes in extract/probe), and the network's held-out accuracy per
/// checkpoint (extract/accuracy).
/// </summary>
public sealed class DatasetExtractStage : IStage
{
    /// <inheritdoc />
    public string Name => "extract";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train"];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) =>
        new { spec.Data, spec.Track, spec.Extract.Device, spec.Extract.Pairs, spec.Extract.LinearProbe, spec.Extract.ProbeEvery, spec.Train.Seed };

    /// <inheritdoc />
    /// <remarks>Besides the train stage's outputs (checkpoints, their index): the IDX files and a pair CSV.</remarks>
    public IReadOnlyList<string> Inputs(Core.Specs.ExperimentSpec spec, RunLayout layout) => MnistData.FilesWithPairs(spec);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var index = CheckpointIndex.ReadMatching(layout, spec);
        var data = MnistData.Load(spec.Data);
        var selection = data.Pairs(spec);
        var layers = TrackedLayers.Of(spec);
        var checkpoints = index.Select(e => (e.Epoch, Path.Combine(layout.Checkpoints, e.File))).ToArray();
        var progress = context.Observer.Progress($"extracting {selection.Count} pairs", checkpoints.Length);
        var summary = BulkPairExtractor.Extract(ExtractRequests.Mnist(context, data, selection, checkpoints) with { Layers = layers },
            progress, context.Cancellation);
        var accuracy = HeldOutAccuracy(checkpoints, data.HeldOut, ExtractRequests.Options(spec.Extract));
        TableFile.Write(accuracy, layout.Accuracy, context.Csv);

        var outputs = new List<string> { layout.Pairs, layout.Accuracy };
        if (spec.Extract.LinearProbe) outputs.Add(layout.Probe);
        if (context.Csv) outputs.AddRange(outputs.ToArray().Select(o => Path.ChangeExtension(o, ".csv")));
        var final = accuracy.Length > 0 ? $", held-out accuracy {accuracy[^1].Accuracy:P1}" : "";
        return new StageOutcome(outputs,
            $"{selection.Description}: {summary.Pairs} pairs × {summary.Layers} layers × {summary.Checkpoints} checkpoints ({summary.DistinctImages} distinct images, {summary.ImagesPerSecond:F0} images/s, probes beside the passes: {summary.ProbeSeconds:F1} s summed over probes, {summary.ProbeWaitSeconds:F1} s waited for){final}; {summary.Describe()}");
    }

    /// <summary>
    /// The network's accuracy on the held-out images at every checkpoint (one batched run each): on the CPU, checkpoints
    /// side by side, as many at once as the cores hold runs of <see cref="InferenceOptions.Threads"/> threads (each
    /// checkpoint's accuracy is its own run's, whichever core runs it); on CUDA one at a time.
    /// </summary>
    public static AccuracyRow[] HeldOutAccuracy(IReadOnlyList<(int Epoch, string Path)> checkpoints, MnistDataset heldOut, InferenceOptions options)
    {
        if (heldOut.Count == 0) return [];
        var rows = new AccuracyRow[checkpoints.Count];
        var degree = options.Device == Device.Cpu ? Environment.ProcessorCount / Math.Max(1, options.Threads) : 1;
        Parallelism.For(checkpoints.Count, degree, k =>
        {
            using var runner = new OnnxModelRunner(checkpoints[k].Path, options);
            var output = runner.Run(heldOut.Images, heldOut.Count, [OnnxNames.Output])[0]; // (N, 10)
            var correct = 0;
            for (var i = 0; i < heldOut.Count; i++)
            {
                var row = output.Row(i);
                var best = 0;
                for (var c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
                if (best == heldOut.Labels[i]) correct++;
            }
            rows[k] = new AccuracyRow { Epoch = checkpoints[k].Epoch, Accuracy = (double)correct / heldOut.Count, Images = heldOut.Count };
        });
        return rows;
    }
}
