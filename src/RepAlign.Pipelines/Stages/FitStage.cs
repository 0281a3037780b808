using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Stages;

/// <summary>Fits the theory to every (pair, layer) trajectory: dense online tracking when the run has it, else the extracted checkpoints.</summary>
public sealed class FitStage : IStage
{
    /// <inheritdoc />
    public string Name => "fit";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train", "extract"];

    /// <inheritdoc />
    public object Parameters(Core.Specs.ExperimentSpec spec) => new { spec.Fit, spec.Data.Kind, spec.Data.Dx2, spec.Data.Dy2 };

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var layout = context.Layout;
        var spec = context.Spec;
        var inputs = Core.Data.PointSet.IsPointSet(spec.Data.Kind) // dense online tracking; data-set runs fit the extracted checkpoints
            ? BulkFit.FromMetrics(TableFile.Read<MetricRow>(layout.Metrics), Core.Data.PointSet.Of(spec.Data))
            : BulkFit.FromPairs(TableFile.Read<PairRow>(layout.Pairs), spec.Fit.Time);
        var progress = context.Observer.Progress("fitting", inputs.Count);
        var (fits, curves) = BulkFit.Run(inputs, BulkFit.Options(spec.Fit), progress, context.Cancellation);
        return Write(context, fits, curves);
    }

    /// <summary>Writes the fit stage's tables into the context's run folder (fits.parquet, fits.csv, curves) and describes them.</summary>
    public static StageOutcome Write(StageContext context, FitRow[] fits, CurveRow[] curves)
    {
        var layout = context.Layout;
        TableFile.Write(fits, layout.Fits, csv: false);
        var csv = Path.ChangeExtension(layout.Fits, ".csv");
        TableFile.WriteCsv(fits, csv);
        TableFile.Write(curves, layout.Curves, context.Csv);
        var outputs = new List<string> { layout.Fits, csv, layout.Curves };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Curves, ".csv"));
        var summary = string.Join("; ", fits.Take(3).Select(f =>
            $"layer {f.Layer}: η_h = {f.EtaH:G4}, η_y = {f.EtaY:G4}, R² h/y/w = {f.R2H:F3}/{f.R2Y:F3}/{f.R2W:F3}, {f.Regime}"));
        return new StageOutcome(outputs, $"{fits.Length} fit(s); {summary}");
    }
}
