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
/// <param name="checkpoints">The checkpoints, ordered by epoch, already checked to share one architecture.</param>
/// <param name="layerNames">Graph value names of the layers, numbered 0, 1, … in the tables.</param>
/// <param name="predictionOutput">The graph output holding the prediction.</param>
/// <param name="hashes">SHA-256 of every checkpoint file, for the cache key and run.json.</param>
public sealed class ReanalyzeExtractStage(IReadOnlyList<(int Epoch, string Path)> checkpoints, IReadOnlyList<string> layerNames,
    string predictionOutput, IReadOnlyDictionary<string, string> hashes) : IStage
{
    /// <inheritdoc />
    public string Name => "extract";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = [];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) =>
        new { spec.Data, spec.Extract.Pairs, spec.Train.Seed, layers = layerNames, prediction = predictionOutput, hashes };

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var data = MnistData.Load(spec.Data);
        var selection = PairSelection.Select(spec.Extract.Pairs, data.Train.Labels, (ulong)spec.Train.Seed);
        var exposedDir = Path.Combine(layout.Root, "extract", ".exposed");
        Directory.CreateDirectory(exposedDir);
        try
        {
            var exposed = new List<(int Epoch, string Path)>();
            foreach (var (epoch, path) in checkpoints)
            {
                var target = Path.Combine(exposedDir, $"epoch-{epoch:D5}.onnx");
                var bytes = GraphEditor.ExposeOutputs(path, [.. layerNames, predictionOutput]);
                AtomicFile.Write(target, s => s.Write(bytes));
                exposed.Add((epoch, target));
            }
            var info = GraphInspector.Inspect(checkpoints[0].Path);
            var fixedBatch = GraphEditor.FixedBatch(info);
            var progress = context.Observer.Progress($"extracting {selection.Count} pairs", exposed.Count);
            var request = ExtractRequests.Mnist(context, data, selection, exposed) with
            {
                Layers = Enumerable.Range(0, layerNames.Count).ToArray(),
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
                $"{selection.Description}: {summary.Pairs} pairs × {summary.Layers} layers ({names}) × {summary.Checkpoints} checkpoints, {summary.ImagesPerSecond:F0} images/s");
        }
        finally
        {
            Directory.Delete(exposedDir, recursive: true);
        }
    }
}
