using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Stages;

/// <summary>
/// Fits the theory to every (pair, layer) trajectory: dense online tracking when the run has it, else the extracted
/// checkpoints, streamed from extract/pairs one row group at a time (<see cref="StreamingFit"/>): no table of all pairs
/// is held in memory. fit/curves keeps the curves <c>fit.curves</c> selects.
/// </summary>
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
        var curves = spec.Fit.Curves;
        if (Core.Data.PointSet.IsPointSet(spec.Data.Kind))
        {
            // Dense online tracking of a handful of pairs: the report shows them all.
            var inputs = BulkFit.FromMetrics(TableFile.Read<MetricRow>(layout.Metrics), Core.Data.PointSet.Of(spec.Data));
            return Write(context, [inputs], inputs.Count, curves == CurveSelection.Report ? CurveSelection.All : curves);
        }
        var batches = StreamingFit.PairBatches(layout.Pairs, spec.Fit.Time, out var total);
        return Write(context, batches, total, curves);
    }

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
