using System.Diagnostics;
using System.Globalization;

namespace RepAlign.Theory;

/// <summary>
/// The summary of a finished fit: the fitted curves at the accurate tolerance, S, R², standard errors and 95 %
/// intervals from the Gauss–Newton covariance (<see cref="RateIntervals"/>), the conserved C and its drift, the
/// final-distance prediction and η_ybar.
/// </summary>
internal static class FitSummary
{
    public static FitResult Summarise(FitProblem p, FitOptions options, FitState fit, double gridG, double ratioInit, int gridEvaluations, Stopwatch clock)
    {
        int n = p.Count;
        double etaH = fit.EtaH, etaY = fit.EtaY;
        var start = fit.Start;
        var refinement = fit.Refinement;
        var system = p.System(etaH, etaY);
        var states = DormandPrinceIntegrator.Solve(system, [start.H, start.Y, start.W], 0.0, p.Times, options.Integrator, out var outcome);
        var hFit = new double[n];
        var yFit = new double[n];
        var wFit = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            hFit[i] = states[3 * i];
            yFit[i] = states[3 * i + 1];
            wFit[i] = states[3 * i + 2];
            s += Square(p.H[i] - hFit[i]) + Square(p.Y[i] - yFit[i]) + Square(p.W[i] - wFit[i]);
        }

        var status = outcome == IntegrationOutcome.Completed && double.IsFinite(s) ? refinement.Status : FitStatus.Diverged;
        var uncertainty = RateIntervals.From(fit.Normal, fit.Curvature, n, etaH, etaY, status);
        if (fit.InitialFailure is { } failure)
        {
            uncertainty = uncertainty with { EtaHLow = double.NaN, EtaHHigh = double.NaN, EtaYLow = double.NaN, EtaYHigh = double.NaN, Note = failure };
        }

        // The prediction and C start from the state the curves start from (measured, or fitted when the first sample is noisy).
        double rateRatio = etaH / etaY;
        var prediction = FinalDistance.Predict(etaH, etaY, p.Dx2, p.Dy2, start.H, start.Y);
        double c0 = TwoPointSystem.ConservedQuantity(rateRatio, p.Dx2, start.H, start.Y);
        double drift = 0, scale = 0;
        for (int i = 0; i < n; i++)
        {
            drift = Math.Max(drift, Math.Abs(TwoPointSystem.ConservedQuantity(rateRatio, p.Dx2, p.H[i], p.Y[i]) - c0));
            scale = Math.Max(scale, p.H[i] / p.Dx2);
        }

        bool hasLoss = p.Loss is not null && outcome == IntegrationOutcome.Completed;
        double etaYbar = double.NaN, lossS = double.NaN;
        double[] lossFit = [];
        if (hasLoss)
        {
            etaYbar = AnalyticLoss.FitEtaYbar(p.Times, p.Loss, p.Ybar0![0], wFit, yFit, p.Dy2, out lossS);
            lossFit = new double[n];
            for (int i = 0; i < n; i++) lossFit[i] = AnalyticLoss.Loss(p.Times[i], etaYbar, p.Ybar0[0], wFit[i], yFit[i], p.Dy2);
        }

        string lossNote = hasLoss ? "" : options.FitLoss ? "; η_ybar not fitted (no loss/ybar0 columns)" : "; η_ybar not fitted (FitLoss = false)";
        string message = status == FitStatus.Diverged
            ? $"the fitted system could not be integrated over the window ({outcome})."
            : string.Create(CultureInfo.InvariantCulture,
                $"{status} after {refinement.Iterations} {refinement.Method} iterations from grid g = {gridG:G4} (ratio {ratioInit:G4}): {refinement.Reason}{fit.BudgetNote}{lossNote}{InitialNote(p, options, fit)}.");

        return new FitResult
        {
            Status = status,
            Message = message,
            EtaH = etaH,
            EtaY = etaY,
            EtaYbar = etaYbar,
            HasLossFit = hasLoss,
            StdErrEtaH = uncertainty.StdErrEtaH,
            StdErrEtaY = uncertainty.StdErrEtaY,
            EtaHLow = uncertainty.EtaHLow,
            EtaHHigh = uncertainty.EtaHHigh,
            EtaYLow = uncertainty.EtaYLow,
            EtaYHigh = uncertainty.EtaYHigh,
            IntervalNote = uncertainty.Note,
            Initial = options.Initial,
            H0 = start.H,
            Y0 = start.Y,
            W0 = start.W,
            S = s,
            WeightedS = options.Weighting == FitWeighting.Paper ? s : fit.Normal.Sum,
            LossS = lossS,
            R2H = RSquared(p.H, hFit),
            R2Y = RSquared(p.Y, yFit),
            R2W = RSquared(p.W, wFit),
            C = c0,
            CDrift = scale > 0 ? drift / scale : 0,
            ALow = prediction.ALow,
            AHigh = prediction.AHigh,
            HInfPred = prediction.HInfinity,
            HInfObs = p.H[^1],
            RichnessRatio = prediction.RichnessRatio,
            Regime = prediction.Regime,
            Iterations = refinement.Iterations,
            GridEvaluations = gridEvaluations,
            RefinementEvaluations = refinement.Evaluations,
            GridEtaH = gridG * ratioInit,
            GridEtaY = gridG,
            Epoch = p.Epoch,
            HFit = hFit,
            YFit = yFit,
            WFit = wFit,
            LossFit = lossFit,
            FitSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    /// <summary>Departures of the fitted start from the first sample above this many residual s.d. are flagged in the message.</summary>
    private const double StartDepartureFlag = 5.0;

    private static string InitialNote(FitProblem p, FitOptions options, FitState fit)
    {
        if (options.Initial != InitialState.Fitted) return "";
        if (fit.InitialFailure is { } failure) return "; " + failure;
        string note = string.Create(CultureInfo.InvariantCulture, $"; initial state fitted: h0 = {fit.Start.H:G4}, y0 = {fit.Start.Y:G4}, w0 = {fit.Start.W:G4}");
        // How far the start moved from the first sample, in residual standard deviations (each variable in its weighted units).
        double sigma = Math.Sqrt(fit.Normal.Sum / Math.Max(1, 3 * p.Count - fit.Normal.Count));
        var measured = p.MeasuredStart;
        double departure = Math.Max(Math.Sqrt(p.WeightH) * Math.Abs(fit.Start.H - measured.H),
            Math.Max(Math.Sqrt(p.WeightY) * Math.Abs(fit.Start.Y - measured.Y), Math.Sqrt(p.WeightW) * Math.Abs(fit.Start.W - measured.W))) / sigma;
        return departure > StartDepartureFlag
            ? note + string.Create(CultureInfo.InvariantCulture,
                $" ({departure:G3} residual s.d. from the first sample: if that sample is exact, the theory misfits the first epochs; compare with the measured start)")
            : note;
    }

    private static double RSquared(ReadOnlySpan<double> data, ReadOnlySpan<double> fit)
    {
        double variance = FitInput.Variance(data) * data.Length;
        double residual = 0;
        for (int i = 0; i < data.Length; i++) residual += Square(data[i] - fit[i]);
        return variance > 0 ? 1.0 - residual / variance : residual == 0 ? 1.0 : double.NegativeInfinity;
    }

    private static double Square(double x) => x * x;
}

/// <summary>What the refinement ended with: the rates, the start state, and the normal equations at the optimum.</summary>
/// <param name="EtaH">η_h.</param>
/// <param name="EtaY">η_y.</param>
/// <param name="Start">The state the fitted system starts from (measured or fitted).</param>
/// <param name="Refinement">How the refinement ended.</param>
/// <param name="Normal">JᵀWJ and S_w at the optimum, in all fitted parameters.</param>
/// <param name="Curvature">False when no normal equations could be computed at the optimum.</param>
/// <param name="InitialFailure">Why a fitted initial state was not estimated, or null.</param>
/// <param name="BudgetNote">What the message says of refinement trials that ran out of steps ("" when none did).</param>
internal sealed record FitState(double EtaH, double EtaY, StartState Start, Refinement Refinement, NormalEquations Normal, bool Curvature, string? InitialFailure, string BudgetNote);
