namespace RepAlign.Core.Specs;

/// <summary>Which hidden layers are tracked online and extracted (0-based post-activation outputs).</summary>
public sealed record TrackSpec
{
    /// <summary>Hidden-layer indices; null means every hidden layer.</summary>
    public IReadOnlyList<int>? Layers { get; init; } = [10];

    /// <summary>The concrete layer list for a network of <paramref name="depth"/> hidden layers.</summary>
    public IReadOnlyList<int> Resolve(int depth) => Layers ?? Enumerable.Range(0, depth).ToArray();
}
