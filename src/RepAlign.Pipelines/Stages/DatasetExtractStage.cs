using RepAlign.Core.Specs;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// The data-set extract: ONNX Runtime measures h2, y2 and w of every selected pair at every tracked layer from every
/// checkpoint in bulk (extract/pairs, with linear probes in extract/probe), and the network's held-out accuracy per
/// checkpoint in the same sessions (extract/accuracy).
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
        var accuracy = summary.HeldOut.ToArray();
        TableFile.Write(accuracy, layout.Accuracy, context.Csv);

        var outputs = new List<string> { layout.Pairs, layout.Accuracy };
        if (spec.Extract.LinearProbe) outputs.Add(layout.Probe);
        if (context.Csv) outputs.AddRange(outputs.ToArray().Select(o => Path.ChangeExtension(o, ".csv")));
        var final = accuracy.Length > 0 ? $", held-out accuracy {accuracy[^1].Accuracy:P1} ({summary.HeldOutSeconds:F1} s for {accuracy[^1].Images} images × {accuracy.Length} checkpoints)" : "";
        return new StageOutcome(outputs,
            $"{selection.Description}: {summary.Pairs} pairs × {summary.Layers} layers × {summary.Checkpoints} checkpoints ({summary.DistinctImages} distinct images, {summary.ImagesPerSecond:F0} images/s, probes beside the passes: {summary.ProbeSeconds:F1} s summed over probes, {summary.ProbeWaitSeconds:F1} s waited for){final}; {summary.Describe()}");
    }
}
