using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Spec;

/// <summary>The hidden layers a run tracks, resolved against its architecture.</summary>
public static class TrackedLayers
{
    /// <summary>
    /// The one place tracked layers are resolved: "all" → every hidden output of the architecture (a cnn has
    /// model.depth + 2); "middle" → model.depth / 2 (the paper's layer 10 of 20, 5 of the cnn's 10); a list → itself.
    /// </summary>
    public static IReadOnlyList<int> Of(ExperimentSpec spec) => spec.Track.Selection switch
    {
        TrackSelection.All => Enumerable.Range(0, Architecture.HiddenLayerCount(spec.Model)).ToArray(),
        TrackSelection.Middle => [spec.Model.Depth / 2],
        _ => spec.Track.Layers,
    };
}
