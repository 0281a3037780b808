using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// The stages a host supplies that RepAlign.Pipelines cannot build itself: the training core (absent in a build without
/// it) and the F# analysis and reports.
/// </summary>
public sealed record StageSet
{
    /// <summary>The training core; null in a build without one (the extraction bundle).</summary>
    public ITrainingCore? Training { get; init; }

    /// <summary>The analyze stage of data sets.</summary>
    public required IStage Analyze { get; init; }

    /// <summary>The report of point sets.</summary>
    public required IStage PointSetReport { get; init; }

    /// <summary>The report of data sets and reanalyses.</summary>
    public required IStage DatasetReport { get; init; }

    /// <summary>Writes trials.csv after a sweep with trials &gt; 1; null in a build without it (no summary is written).</summary>
    public ITrialSummary? TrialSummary { get; init; }
}

/// <summary>The stages of one run, in the order they run.</summary>
/// <param name="Family">The experiment family the stages belong to.</param>
/// <param name="Stages">The stages; each reads only the outputs of earlier ones (and its declared inputs).</param>
public sealed record StageGraph(ExperimentFamily Family, IReadOnlyList<IStage> Stages)
{
    /// <summary>Versions of the native libraries the stages run on (the training core's), recorded in run.json.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    /// <summary>The stage names, in order.</summary>
    public IReadOnlyList<string> Names => Stages.Select(s => s.Name).ToArray();

    /// <summary>The stage of that name, or null.</summary>
    public IStage? Find(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// The graph of a pipeline's spec, built in this one place for every caller (the command line, the F# API,
    /// <c>repalign reproduce</c>, sweep points and the Slurm executor): point sets train → check → fit → report; data sets
    /// train → extract → fit → analyze → report.
    /// </summary>
    public static StageGraph For(Core.Specs.ExperimentSpec spec, StageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var graph = Families.Of(spec) switch
        {
            ExperimentFamily.PointSet => new StageGraph(ExperimentFamily.PointSet,
                [new PointSetTrainStage(set.Training), new OnlineCheckStage(), new PointSetFitStage(), set.PointSetReport]),
            _ => new StageGraph(ExperimentFamily.Dataset,
                [new DatasetTrainStage(set.Training), new DatasetExtractStage(), new DatasetFitStage(), set.Analyze, set.DatasetReport]),
        };
        return graph with { Versions = set.Training?.Versions ?? graph.Versions };
    }

    /// <summary>The graph of a reanalysis: the given extract stage (stored or foreign checkpoints), then fit → analyze → report as for data sets.</summary>
    public static StageGraph ForReanalysis(IStage extract, StageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new StageGraph(ExperimentFamily.Reanalysis, [extract, new DatasetFitStage(), set.Analyze, set.DatasetReport])
        {
            Versions = set.Training?.Versions ?? new Dictionary<string, string>(),
        };
    }
}
