using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// Folds the trials of a sweep (<c>experiment.trials</c> &gt; 1): per setting (variant × grid point) and layer (and pair
/// for point sets), each headline quantity's mean and sd over the trials, written as trials.parquet and trials.csv in
/// the sweep folder (README.md, "Changing a setting"). Implemented by the analysis (F#), reached through
/// <see cref="StageSet.TrialSummary"/>.
/// </summary>
public interface ITrialSummary
{
    /// <summary>
    /// Writes the trial summary of a finished sweep from the fits of its succeeded points; returns the number of rows.
    /// </summary>
    /// <param name="root">The sweep folder.</param>
    /// <param name="points">The sweep's points, in sweep order.</param>
    /// <param name="results">Each point's result (failed points are left out).</param>
    int Write(string root, IReadOnlyList<RunPoint> points, IReadOnlyList<RunResult> results);
}
