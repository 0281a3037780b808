using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Inference.Graphs;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Reanalysis;

/// <summary>The extract stage of a reanalysis: foreign or stored checkpoints, chosen graph values exposed as outputs, pairs measured in bulk.</summary>
/// <param name="source">The checkpoints, in time order, already checked (ONNX files sharing one architecture, or imported weights).</param>
/// <param name="layerNames">Graph value names of the layers, numbered 0, 1, … in the tables.</param>
/// <param name="predictionOutput">The graph output holding the prediction.</param>
public sealed class ReanalyzeExtractStage(CheckpointSource source, IReadOnlyList<string> layerNames, string predictionOutput) : IStage
{
    private readonly IReadOnlyList<CheckpointFile> checkpoints = source.Checkpoints;

    /// <inheritdoc />
    public string Name => "extract";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = [];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) => source.Parameters is { } imported
        ? new { spec.Data, spec.Extract.Pairs, spec.Train.Seed, layers = layerNames, prediction = predictionOutput, hashes = source.Hashes, times = Times, imported }
        : new { spec.Data, spec.Extract.Pairs, spec.Train.Seed, layers = layerNames, prediction = predictionOutput, hashes = source.Hashes, times = Times };

    private IEnumerable<object> Times => checkpoints.Select(c => new { c.Epoch, c.Step });

    /// <inheritdoc />
    /// <remarks>The foreign checkpoints (and a parameter map), the IDX files and a pair CSV.</remarks>
    public IReadOnlyList<string> Inputs(Core.Specs.ExperimentSpec spec, RunLayout layout) =>
        [.. source.Imported ? source.Hashes.Keys.Order(StringComparer.Ordinal) : checkpoints.Select(c => c.Path), .. MnistData.FilesWithPairs(spec)];

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var data = MnistData.Load(spec.Data);
        var selection = data.Pairs(spec);
        var exposedDir = Path.Combine(layout.Root, "extract", ".exposed");
        Directory.CreateDirectory(exposedDir);
        try
        {
            var exposed = new List<(int Epoch, string Path)>();
            for (var k = 0; k < checkpoints.Count; k++)
            {
                var target = Path.Combine(exposedDir, $"checkpoint-{k:D5}.onnx");
                var bytes = source.Exposed(k, [.. layerNames, predictionOutput]); // external data read in; imported weights converted
                AtomicFile.Write(target, s => s.Write(bytes));
                exposed.Add((checkpoints[k].Epoch, target));
            }
            var fixedBatch = GraphEditor.FixedBatch(source.Graph);
            var progress = context.Observer.Progress($"extracting {selection.Count} pairs", exposed.Count);
            var request = ExtractRequests.Mnist(context, data, selection, exposed) with
            {
                Layers = Enumerable.Range(0, layerNames.Count).ToArray(),
                Steps = checkpoints.Select(c => c.Step ?? -1).ToArray(),
                LayerOutputs = layerNames,
                PredictionOutput = predictionOutput,
                BatchSize = fixedBatch ?? spec.Extract.BatchSize,
                FixedBatch = fixedBatch is not null,
            };
            var summary = BulkPairExtractor.Extract(request, progress, context.Cancellation);
            var outputs = new List<string> { layout.Pairs };
            if (spec.Extract.LinearProbe) outputs.Add(layout.Probe);
            if (context.Csv) outputs.AddRange(outputs.ToArray().Select(o => Path.ChangeExtension(o, ".csv")));
            var names = string.Join(", ", layerNames.Select((n, i) => $"{i}={n}"));
            return new StageOutcome(outputs,
                $"{selection.Description}: {summary.Pairs} pairs × {summary.Layers} layers ({names}) × {summary.Checkpoints} checkpoints ({summary.DistinctImages} distinct images), {summary.ImagesPerSecond:F0} images/s; {summary.Describe()}");
        }
        finally
        {
            Directory.Delete(exposedDir, recursive: true);
        }
    }
}
