namespace RepAlign.Theory;

/// <summary>
/// The fitted system against its rivals on one trajectory: every other <see cref="DynamicsVariant"/> (for the true
/// system, the four altered systems of the alternative-dynamics experiment) is fitted with the same options, and the
/// best rival's S is set against the fit's own. A ratio above 1 means the fitted system describes the trajectory
/// better than every rival.
/// </summary>
internal static class AlternativeFits
{
    /// <summary>Fits the rivals of <paramref name="fit"/> and returns it with <see cref="FitResult.BestAlternative"/> and <see cref="FitResult.SRatioAlternative"/> set.</summary>
    public static FitResult Compare(Trajectory t, double dx2, double dy2, FitOptions options, FitResult fit)
    {
        if (fit.Status == FitStatus.DegenerateInput) return fit;
        var rivalOptions = options with { Alternatives = false, FitLoss = false };
        DynamicsVariant? best = null;
        double bestS = double.PositiveInfinity;
        double seconds = 0;
        foreach (var variant in Enum.GetValues<DynamicsVariant>())
        {
            if (variant == options.Dynamics) continue;
            var rival = TwoPointFit.Fit(t, dx2, dy2, rivalOptions with { Dynamics = variant });
            seconds += rival.FitSeconds;
            // A rival that cannot be integrated (diverged, NaN S) describes the trajectory worse than any finite S.
            if (rival.S < bestS)
            {
                bestS = rival.S;
                best = variant;
            }
        }

        double ratio = double.IsFinite(fit.S) && fit.S >= 0 ? bestS / fit.S : double.NaN;
        return fit with { BestAlternative = best, SRatioAlternative = ratio, FitSeconds = fit.FitSeconds + seconds };
    }
}
