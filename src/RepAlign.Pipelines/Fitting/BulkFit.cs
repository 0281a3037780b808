using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Spec;
using RepAlign.Theory;

namespace RepAlign.Pipelines.Fitting;

/// <summary>One trajectory to fit and the identity of its (pair, layer).</summary>
/// <param name="Pair">Pair index.</param>
/// <param name="Layer">Hidden layer index.</param>
/// <param name="A">First data point.</param>
/// <param name="B">Second data point.</param>
/// <param name="LabelA">Label of a (−1 where none).</param>
/// <param name="LabelB">Label of b (−1 where none).</param>
/// <param name="Dx2">‖x_b − x_a‖².</param>
/// <param name="Dy2">‖y_b* − y_a*‖².</param>
/// <param name="Trajectory">The measured h, y, w (and loss) per epoch.</param>
public sealed record TrajectoryInput(int Pair, int Layer, int A, int B, int LabelA, int LabelB, double Dx2, double Dy2, Trajectory Trajectory);

/// <summary>Fits the theory to many (pair, layer) trajectories on every core.</summary>
public static class BulkFit
{
    /// <summary>The theory's fit options for a pipeline's [fit] table.</summary>
    public static FitOptions Options(FitSpec spec) => new()
    {
        GridPoints = spec.GridPoints,
        Weighting = spec.Weighting,
        WindowStart = spec.WindowStart,
        WindowEnd = spec.WindowEnd,
        Dynamics = spec.Dynamics,
        FitLoss = spec.FitLoss,
        Initial = spec.Initial,
        Alternatives = spec.Alternatives,
        RefineStepsPerEpoch = spec.RefineStepsPerEpoch > 0 ? spec.RefineStepsPerEpoch : null,
    };

    /// <summary>
    /// A pipeline's fit options for the rates alone on the window ending at <paramref name="windowEnd"/>: no η_ybar and
    /// no rivals (final-distance's out-of-sample refit of each grid run), every other setting as <see cref="Options"/>.
    /// </summary>
    public static FitOptions RatesUpTo(FitSpec spec, double windowEnd) =>
        Options(spec) with { WindowEnd = windowEnd, FitLoss = false, Alternatives = false };

    /// <summary>Trajectories from online tracking (train/metrics) of a point set's tracked pairs: dense, with loss.</summary>
    public static IReadOnlyList<TrajectoryInput> FromMetrics(IEnumerable<MetricRow> rows, Core.Data.PointSet points) =>
        rows.GroupBy(r => (r.Pair, r.Layer)).OrderBy(g => g.Key)
            .Select(g =>
            {
                var ordered = g.OrderBy(r => r.Epoch).ToArray();
                var t = new Trajectory(
                    ordered.Select(r => (double)r.Epoch).ToArray(),
                    ordered.Select(r => r.H2).ToArray(),
                    ordered.Select(r => r.Y2).ToArray(),
                    ordered.Select(r => r.W).ToArray(),
                    ordered.Select(r => r.Loss).ToArray(),
                    ordered.Select(r => r.Ybar0).ToArray());
                var (a, b) = points.Pairs[g.Key.Pair];
                return new TrajectoryInput(g.Key.Pair, g.Key.Layer, a, b, points.Groups[a], points.Groups[b],
                    points.PairDx2[g.Key.Pair], points.PairDy2[g.Key.Pair], t);
            })
            .ToArray();

    /// <summary>
    /// Trajectories from extracted checkpoints (extract/pairs): one per (pair, layer), no loss; t is the epoch,
    /// or the step column with <see cref="TimeAxis.Step"/> (<see cref="Core.BadInputException"/> when a row has no step).
    /// </summary>
    public static IReadOnlyList<TrajectoryInput> FromPairs(IEnumerable<PairRow> rows, TimeAxis time = TimeAxis.Epoch) =>
        rows.GroupBy(r => (r.Pair, r.Layer)).OrderBy(g => g.Key)
            .Select(g =>
            {
                double Time(PairRow r) => time == TimeAxis.Epoch ? r.Epoch
                    : r.Step >= 0 ? r.Step : Core.Throw.BadInput<double>($"extract/pairs: epoch {r.Epoch} has no step; expected checkpoints whose names give steps for fit.time = step (e.g. epoch=3-step=423.onnx)");
                var ordered = g.OrderBy(Time).ToArray();
                var first = ordered[0];
                var t = new Trajectory(
                    ordered.Select(Time).ToArray(),
                    ordered.Select(r => r.H2).ToArray(),
                    ordered.Select(r => r.Y2).ToArray(),
                    ordered.Select(r => r.W).ToArray());
                return new TrajectoryInput(g.Key.Pair, g.Key.Layer, first.A, first.B, first.LabelA, first.LabelB, first.Dx2, first.Dy2, t);
            })
            .ToArray();

    /// <summary>Fits every trajectory in parallel; returns one fit row per input (in input order) and the fitted curves.</summary>
    /// <param name="inputs">The trajectories.</param>
    /// <param name="options">Fit options (<see cref="Options"/>).</param>
    /// <param name="progress">Receives the number of fits done.</param>
    /// <param name="cancellation">Stops between fits.</param>
    /// <param name="keepCurves">Which inputs' fitted curves are returned; null = all.</param>
    public static (FitRow[] Fits, CurveRow[] Curves) Run(IReadOnlyList<TrajectoryInput> inputs, FitOptions options,
        IProgress<long>? progress = null, CancellationToken cancellation = default, Func<TrajectoryInput, bool>? keepCurves = null)
    {
        var fits = new FitRow[inputs.Count];
        var curves = new List<CurveRow>[inputs.Count];
        long done = 0;
        Parallel.For(0, inputs.Count, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var input = inputs[i];
            var result = TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, options);
            fits[i] = ToRow(input, result);
            if (keepCurves is null || keepCurves(input))
            {
                curves[i] = [];
                AddCurves(curves[i], input, result);
            }
            progress?.Report(Interlocked.Increment(ref done));
        });
        return (fits, curves.Where(c => c is not null).SelectMany(c => c).ToArray());
    }

    private static FitRow ToRow(TrajectoryInput input, FitResult r) => new()
    {
        Pair = input.Pair, Layer = input.Layer, A = input.A, B = input.B, LabelA = input.LabelA, LabelB = input.LabelB,
        Dx2 = input.Dx2, Dy2 = input.Dy2,
        EtaH = r.EtaH, EtaY = r.EtaY, EtaYbar = r.EtaYbar, SeEtaH = r.StdErrEtaH, SeEtaY = r.StdErrEtaY,
        EtaHLo = r.EtaHLow, EtaHHi = r.EtaHHigh, EtaYLo = r.EtaYLow, EtaYHi = r.EtaYHigh, IntervalNote = r.IntervalNote, Initial = SnakeCase.Of(r.Initial),
        FitLoss = r.S, R2H = r.R2H, R2Y = r.R2Y, R2W = r.R2W, C = r.C, CDrift = r.CDrift,
        ALow = r.ALow, AHigh = r.AHigh, HInfPred = r.HInfPred, HInfObs = r.HInfObs,
        Regime = SnakeCase.Of(r.Regime), Status = SnakeCase.Of(r.Status), Message = r.Message, FitSeconds = r.FitSeconds,
        BestAlternative = r.BestAlternative is { } best ? SnakeCase.Of(best) : double.IsNaN(r.SRatioAlternative) ? "" : "none",
        SRatioAlternative = r.SRatioAlternative,
    };

    private static void AddCurves(List<CurveRow> curves, TrajectoryInput input, FitResult r)
    {
        var t = input.Trajectory;
        if (r.Epoch.Length == 0) return;
        // The fitted curves cover the fitted window; match them to the measured rows by epoch.
        var index = new Dictionary<double, int>(t.Count);
        for (var i = 0; i < t.Count; i++) index[t.Epoch[i]] = i;
        for (var k = 0; k < r.Epoch.Length; k++)
        {
            if (!index.TryGetValue(r.Epoch[k], out var i)) continue;
            curves.Add(new CurveRow
            {
                Epoch = (int)t.Epoch[i], Layer = input.Layer, Pair = input.Pair,
                H2 = t.H[i], Y2 = t.Y[i], W = t.W[i], Loss = t.Loss is { } loss ? loss[i] : double.NaN,
                H2Fit = r.HFit[k], Y2Fit = r.YFit[k], WFit = r.WFit[k],
                LossFit = r.LossFit.Length > k ? r.LossFit[k] : double.NaN,
            });
        }
    }
}
