namespace RepAlign.Core.Specs;

/// <summary>How the tracked layers are chosen.</summary>
public enum TrackSelection
{
    /// <summary>The indices in <see cref="TrackSpec.Layers"/>.</summary>
    List,
    /// <summary>Every hidden layer.</summary>
    All,
    /// <summary>The middle hidden layer, depth / 2 (layer 10 of the paper's 20).</summary>
    Middle,
}

/// <summary>Which hidden layers are tracked online and extracted (0-based post-activation outputs).</summary>
public sealed record TrackSpec
{
    /// <summary>How layers are chosen.</summary>
    public TrackSelection Selection { get; init; } = TrackSelection.Middle;

    /// <summary>Hidden-layer indices when <see cref="Selection"/> is <see cref="TrackSelection.List"/>.</summary>
    public IReadOnlyList<int> Layers { get; init; } = [];
}
