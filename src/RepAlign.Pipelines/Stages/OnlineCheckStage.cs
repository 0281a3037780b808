using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// The point-set check: ONNX Runtime re-measures h2, y2 and w of every tracked pair from every checkpoint and compares
/// them with what training tracked online, so the dense online trajectory the fit reads is checked against the exported
/// networks (check/pairs holds the re-measured values).
/// </summary>
public sealed class OnlineCheckStage : IStage
{
    /// <inheritdoc />
    public string Name => "check";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train"];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) => new { spec.Data, spec.Track, spec.Extract.Device };

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var index = CheckpointIndex.ReadMatching(layout, spec);
        var layers = TrackedLayers.Of(spec);
        var progress = context.Observer.Progress("checking", index.Count);
        var rows = new List<PairRow>();
        var done = 0;
        foreach (var entry in index)
        {
            var path = Path.Combine(layout.Checkpoints, entry.File);
            rows.AddRange(PointSetExtractor.Extract([(entry.Epoch, path)], spec.Data, layers, ExtractRequests.Options(spec.Extract), context.Cancellation));
            progress.Report(++done);
        }
        TableFile.Write(rows, layout.Checked, context.Csv);
        var outputs = new List<string> { layout.Checked };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Checked, ".csv"));
        return new StageOutcome(outputs, $"{index.Count} checkpoints × {layers.Count} layer(s); {Agreement(rows, layout)}");
    }

    /// <summary>How closely the re-measured h2 agrees with online tracking at the checkpointed epochs.</summary>
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
