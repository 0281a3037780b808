using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// Fits the theory to every tracked (pair, layer) of a point set from its dense online tracking (train/metrics, every
/// epoch); fit/curves keeps every curve, since the report shows them all.
/// </summary>
public sealed class PointSetFitStage : IStage
{
    /// <inheritdoc />
    public string Name => "fit";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["train"];

    /// <inheritdoc />
    public object Parameters(ExperimentSpec spec) => FitTables.Parameters(spec);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var spec = context.Spec;
        var inputs = BulkFit.FromMetrics(TableFile.Read<MetricRow>(context.Layout.Metrics), Core.Data.PointSet.Of(spec.Data));
        return FitTables.Write(context, [inputs], inputs.Count, spec.Fit.Curves == CurveSelection.Report ? CurveSelection.All : spec.Fit.Curves);
    }
}

/// <summary>
/// Fits the theory to every (pair, layer) trajectory of a data set or reanalysis, streamed from extract/pairs one row group
/// at a time (<see cref="StreamingFit"/>): no table of all pairs is held in memory. fit/curves keeps the curves
/// <c>fit.curves</c> selects.
/// </summary>
public sealed class DatasetFitStage : IStage
{
    /// <inheritdoc />
    public string Name => "fit";

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn { get; } = ["extract"];

    /// <inheritdoc />
    public object Parameters(ExperimentSpec spec) => FitTables.Parameters(spec);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var batches = StreamingFit.PairBatches(context.Layout.Pairs, context.Spec.Fit.Time, out var total);
        return FitTables.Write(context, batches, total, context.Spec.Fit.Curves);
    }
}

/// <summary>What both fit stages share: their parameters and the writer of fit/fits and fit/curves.</summary>
public static class FitTables
{
    /// <summary>The typed parameters of a fit stage (its cache key).</summary>
    public static object Parameters(ExperimentSpec spec) => new { spec.Fit, spec.Data.Kind, spec.Data.Dx2, spec.Data.Dy2 };

    /// <summary>
    /// Streams trajectories through <see cref="StreamingFit.Run"/> into the context's run folder (fits.parquet, fits.csv,
    /// curves) and describes them. The local stage, the fit shards of a cluster run and their merge all write through here.
    /// </summary>
    /// <param name="context">The stage context (its layout names the tables).</param>
    /// <param name="batches">Trajectories, whole pairs per batch, in ascending pair order.</param>
    /// <param name="total">Number of trajectories (for progress).</param>
    /// <param name="curves">Which curves to keep.</param>
    /// <param name="fitChunk">Produces a chunk's rows; null = fit them.</param>
    public static StageOutcome Write(StageContext context, IEnumerable<IReadOnlyList<TrajectoryInput>> batches, long total, CurveSelection curves,
        StreamingFit.ChunkFit? fitChunk = null)
    {
        var (layout, spec) = (context.Layout, context.Spec);
        var progress = context.Observer.Progress("fitting", total);
        using var fits = ParquetStream<FitRow>.Create(layout.Fits, csv: true);
        using var curveTable = ParquetStream<CurveRow>.Create(layout.Curves, context.Csv);
        var result = StreamingFit.Run(batches, BulkFit.Options(spec.Fit), curves, fits, curveTable, progress, context.Cancellation, fitChunk);
        fits.Complete();
        curveTable.Complete();
        var outputs = new List<string> { layout.Fits, Path.ChangeExtension(layout.Fits, ".csv"), layout.Curves };
        if (context.Csv) outputs.Add(Path.ChangeExtension(layout.Curves, ".csv"));
        var summary = string.Join("; ", result.First.Select(f =>
            $"layer {f.Layer}: η_h = {f.EtaH:G4}, η_y = {f.EtaY:G4}, R² h/y/w = {f.R2H:F3}/{f.R2Y:F3}/{f.R2W:F3}, {f.Regime}"));
        return new StageOutcome(outputs, $"{result.Fits} fit(s), curves of {result.CurveRows} rows ({SnakeCase.Of(spec.Fit.Curves)}); {summary}");
    }
}
