using RepAlign.Pipelines.Spec;
using RepAlign.Core.Data;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Inference.Graphs;
using RepAlign.Inference;
using RepAlign.Pipelines.Runner;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Pipelines.Stages;

/// <summary>Re-measures h2, y2, w from every ONNX checkpoint with ONNX Runtime and checks them against online tracking.</summary>
public sealed class ExtractStage : IStage
{
    /// <inheritdoc />
    public string Name => "extract";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train"];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) =>
        new { spec.Data, spec.Track, spec.Extract.Device, spec.Extract.Pairs, spec.Extract.LinearProbe, spec.Extract.ProbeEvery, spec.Train.Seed };

    /// <inheritdoc />
    /// <remarks>Besides the train stage's outputs (checkpoints, their index, online metrics): the IDX files and a pair CSV.</remarks>
    public IReadOnlyList<string> Inputs(Core.Specs.ExperimentSpec spec, RunLayout layout) => MnistData.FilesWithPairs(spec);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        foreach (var entry in CheckpointIndex.Read(context.Layout.CheckpointIndex))
        {
            // A checkpoint folder whose files were written for another spec is refused with the mismatch named.
            CheckpointMetadata.EnsureMatches(Path.Combine(context.Layout.Checkpoints, entry.File),
                new CheckpointInfo(spec.Model, spec.Data, spec.Train, entry.Epoch), ["train.threads"]);
        }
        return spec.Data.Kind == Core.Specs.DataKind.Mnist ? RunMnist(context) : RunPointSet(context);
    }

    private static StageOutcome RunPointSet(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var index = CheckpointIndex.Read(layout.CheckpointIndex);
        var layers = TrackedLayers.Of(spec);
        var progress = context.Observer.Progress("extracting", index.Count);
        var rows = new List<PairRow>();
        var done = 0;
        foreach (var entry in index)
        {
            var path = Path.Combine(layout.Checkpoints, entry.File);
            rows.AddRange(PointSetExtractor.Extract([(entry.Epoch, path)], spec.Data, layers, ExtractRequests.Options(spec.Extract), context.Cancellation));
            progress.Report(++done);
        }
        TableFile.Write(rows, layout.Pairs, context.Csv);
        var outputs = new List<string> { layout.Pairs };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Pairs, ".csv"));
        return new StageOutcome(outputs, $"{index.Count} checkpoints × {layers.Count} layer(s); {Agreement(rows, layout)}");
    }

    private static StageOutcome RunMnist(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var index = CheckpointIndex.Read(layout.CheckpointIndex);
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
            $"{selection.Description}: {summary.Pairs} pairs × {summary.Layers} layers × {summary.Checkpoints} checkpoints ({summary.DistinctImages} distinct images, {summary.ImagesPerSecond:F0} images/s, probes {summary.ProbeSeconds:F1} s){final}");
    }

    /// <summary>The network's accuracy on the held-out images at every checkpoint (one batched run each).</summary>
    public static AccuracyRow[] HeldOutAccuracy(IReadOnlyList<(int Epoch, string Path)> checkpoints, MnistDataset heldOut, InferenceOptions options)
    {
        if (heldOut.Count == 0) return [];
        var rows = new AccuracyRow[checkpoints.Count];
        for (var k = 0; k < checkpoints.Count; k++)
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
        }
        return rows;
    }

    /// <summary>How closely the extracted h2 agrees with online tracking at the checkpointed epochs.</summary>
    private static string Agreement(List<PairRow> rows, RunLayout layout)
    {
        if (!File.Exists(layout.Metrics)) return "no online tracking to compare";
        var online = TableFile.Read<MetricRow>(layout.Metrics).ToDictionary(r => (r.Epoch, r.Layer, r.Pair));
        var worst = 0.0;
        var compared = 0;
        foreach (var r in rows)
        {
            if (!online.TryGetValue((r.Epoch, r.Layer, r.Pair), out var o)) continue;
            worst = Math.Max(worst, Math.Abs(r.H2 - o.H2) / Math.Max(Math.Abs(o.H2), double.Epsilon));
            compared++;
        }
        return $"h2 agrees with online tracking to {worst:G2} (relative, {compared} points)";
    }
}
