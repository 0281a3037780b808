using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Stages;

/// <summary>Re-measures h2, y2, w from every ONNX checkpoint with ONNX Runtime and checks them against online tracking.</summary>
public sealed class ExtractStage : IStage
{
    /// <inheritdoc />
    public string Name => "extract";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train"];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) => new { spec.Data, spec.Track, spec.Extract.Device };

    /// <summary>Inference options for a spec's [extract] table.</summary>
    public static InferenceOptions Options(Core.Specs.ExtractSpec extract) => new()
    {
        Device = extract.Device == "cuda" ? Device.Cuda : Device.Cpu,
        Threads = extract.Threads > 0 ? extract.Threads : Environment.ProcessorCount,
    };

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        var index = CheckpointIndex.Read(layout.CheckpointIndex);
        var layers = spec.Track.Resolve(spec.Model.Depth);
        var progress = context.Observer.Progress("extracting", index.Count);
        var rows = new List<PairRow>();
        var done = 0;
        foreach (var entry in index)
        {
            var path = Path.Combine(layout.Checkpoints, entry.File);
            rows.AddRange(TwoPointExtractor.Extract([(entry.Epoch, path)], spec.Data, layers, Options(spec.Extract), context.Cancellation));
            progress.Report(++done);
        }
        TableFile.Write(rows, layout.Pairs, context.Csv);
        var outputs = new List<string> { layout.Pairs };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Pairs, ".csv"));
        return new StageOutcome(outputs, $"{index.Count} checkpoints × {layers.Count} layer(s); {Agreement(rows, layout)}");
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
