namespace RepAlign.Core.Specs;

/// <summary>When checkpoints are exported.</summary>
public enum CheckpointScheduleKind
{
    /// <summary>Every <see cref="CheckpointSpec.Every"/>-th epoch, plus the last.</summary>
    Every,
    /// <summary><see cref="CheckpointSpec.Count"/> epochs spaced logarithmically, always the first and the last.</summary>
    Log,
}

/// <summary>Checkpoint schedule. Checkpoint k holds the weights before epoch k's update (0 = initial).</summary>
public sealed record CheckpointSpec
{
    /// <summary>Schedule kind.</summary>
    public CheckpointScheduleKind Schedule { get; init; } = CheckpointScheduleKind.Log;

    /// <summary>Interval in epochs for <see cref="CheckpointScheduleKind.Every"/>.</summary>
    public int Every { get; init; } = 1;

    /// <summary>Number of checkpoints for <see cref="CheckpointScheduleKind.Log"/>.</summary>
    public int Count { get; init; } = 30;

    /// <summary>The sorted, distinct epochs in [0, epochs] at which checkpoints are written.</summary>
    /// <remarks>The log schedule gives exactly min(Count, epochs + 1) epochs: 0, then geometric spacing up to
    /// <paramref name="epochs"/>, nudged apart where rounding would repeat an epoch.</remarks>
    public IReadOnlyList<int> Epochs(int epochs)
    {
        if (Schedule == CheckpointScheduleKind.Every)
        {
            var set = new SortedSet<int> { epochs };
            for (var e = 0; e <= epochs; e += Math.Max(1, Every)) set.Add(e);
            return set.ToArray();
        }
        var count = Math.Min(Math.Max(2, Count), epochs + 1);
        var result = new int[count];
        for (var i = 1; i < count; i++)
        {
            var target = (int)Math.Round(Math.Pow(epochs, (double)i / (count - 1)));
            result[i] = Math.Clamp(target, result[i - 1] + 1, epochs - (count - 1 - i));
        }
        return result;
    }
}
