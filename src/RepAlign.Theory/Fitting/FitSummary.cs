using System.Diagnostics;
using System.Globalization;

namespace RepAlign.Theory;

/// <summary>
/// The summary of a finished fit: the fitted curves at the accurate tolerance, S, R², standard errors from
/// the Gauss–Newton covariance, the conserved C and its drift, the final-distance prediction and η_ybar.
/// </summary>
internal static class FitSummary
{
    public static FitResult Summarise(
        FitProblem p, FitOptions options, double etaH, double etaY, double gridG, double ratioInit,
        Refinement refinement, int gridEvaluations, NormalEquations normal, Stopwatch clock)
    {
        int n = p.Count;
        var system = p.System(etaH, etaY);
        var states = DormandPrinceIntegrator.Solve(system, [p.H[0], p.Y[0], p.W[0]], 0.0, p.Times, options.Integrator, out var outcome);
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

        // Gauss–Newton covariance of (ln η_h, ln η_y), scaled by the residual variance; delta method to η.
        double sigma2 = normal.Sum / Math.Max(1, 3 * n - 2);
        double det = normal.A11 * normal.A22 - normal.A12 * normal.A12;
        double seH = det > 0 ? etaH * Math.Sqrt(sigma2 * normal.A22 / det) : double.PositiveInfinity;
        double seY = det > 0 ? etaY * Math.Sqrt(sigma2 * normal.A11 / det) : double.PositiveInfinity;

        double rateRatio = etaH / etaY;
        var prediction = FinalDistance.Predict(etaH, etaY, p.Dx2, p.Dy2, p.H[0], p.Y[0]);
        double c0 = TwoPointSystem.ConservedQuantity(rateRatio, p.Dx2, p.H[0], p.Y[0]);
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

        var status = outcome == IntegrationOutcome.Completed && double.IsFinite(s) ? refinement.Status : FitStatus.Diverged;
        string lossNote = hasLoss ? "" : options.FitLoss ? "; η_ybar not fitted (no loss/ybar0 columns)" : "; η_ybar not fitted (FitLoss = false)";
        string message = status == FitStatus.Diverged
            ? $"the fitted system could not be integrated over the window ({outcome})."
            : string.Create(CultureInfo.InvariantCulture,
                $"{status} after {refinement.Iterations} {refinement.Method} iterations from grid g = {gridG:G4} (ratio {ratioInit:G4}): {refinement.Reason}{lossNote}.");

        return new FitResult
        {
            Status = status,
            Message = message,
            EtaH = etaH,
            EtaY = etaY,
            EtaYbar = etaYbar,
            HasLossFit = hasLoss,
            StdErrEtaH = seH,
            StdErrEtaY = seY,
            S = s,
            WeightedS = options.Weighting == FitWeighting.Paper ? s : normal.Sum,
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

    private static double RSquared(ReadOnlySpan<double> data, ReadOnlySpan<double> fit)
    {
        double variance = FitInput.Variance(data) * data.Length;
        double residual = 0;
        for (int i = 0; i < data.Length; i++) residual += Square(data[i] - fit[i]);
        return variance > 0 ? 1.0 - residual / variance : residual == 0 ? 1.0 : double.NegativeInfinity;
    }

    private static double Square(double x) => x * x;
}
