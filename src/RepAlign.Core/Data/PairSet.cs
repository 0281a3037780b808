namespace RepAlign.Core.Data;

/// <summary>
/// The selected pairs: indices (a, b) into the probe set, in pair order (the <c>pair</c> column
/// of extract/pairs is the position in <see cref="Pairs"/>), with a description for run.json.
/// </summary>
/// <param name="Pairs">The pairs; a ≠ b in each.</param>
/// <param name="Canonical">The selection in canonical text form (re-parseable; a file as its full path).</param>
/// <param name="Description">What was selected, with seed, count and, for a file, its SHA-256: the provenance line for run.json.</param>
public sealed record PairSet((int A, int B)[] Pairs, string Canonical, string Description)
{
    /// <summary>Number of pairs.</summary>
    public int Count => Pairs.Length;

    /// <summary>The distinct image indices used by the pairs, ascending.</summary>
    /// <returns>A new array.</returns>
    public int[] DistinctImages()
    {
        var set = new HashSet<int>(Pairs.Length * 2);
        foreach (var (a, b) in Pairs)
        {
            set.Add(a);
            set.Add(b);
        }
        var images = set.ToArray();
        Array.Sort(images);
        return images;
    }
}
