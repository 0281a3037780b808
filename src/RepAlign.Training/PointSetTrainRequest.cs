namespace RepAlign.Training;

/// <summary>What a point-set training run (two points, XOR, context blobs) is asked to do: <see cref="TrainRequest"/> and the tracked layers.</summary>
public sealed record PointSetTrainRequest : TrainRequest
{
    /// <summary>Hidden layers (0-based) whose h2, y2, w are recorded every epoch.</summary>
    public IReadOnlyList<int> TrackLayers { get; init; } = [10];
}
