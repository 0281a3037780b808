namespace RepAlign.Core.Data;

/// <summary>
/// The seeded draws behind <see cref="PairSelection.Apply"/>: distinct random pairs (Floyd's algorithm over
/// the pair index space) and class pairs that use no image twice. Every draw comes from <see cref="SplitMix64"/>,
/// so a seed gives the same pairs on every platform.
/// </summary>
internal static class PairSampling
{
    private const int ClassCount = PairSelection.ClassCount;

    /// <summary>Count distinct unordered pairs a &lt; b of 0..n−1, by Floyd's sampling over the pair index space, sorted.</summary>
    internal static (int A, int B)[] RandomPairs(int n, int count, ulong seed)
    {
        long total = (long)n * (n - 1) / 2;
        var chosen = new HashSet<long>(count);
        var rng = new SplitMix64(seed);
        for (long j = total - count; j < total; j++)
        {
            long t = rng.Below(j + 1);
            chosen.Add(chosen.Contains(t) ? j : t);
        }
        var keys = chosen.ToArray();
        Array.Sort(keys);
        var pairs = new (int, int)[keys.Length];
        for (var i = 0; i < keys.Length; i++) pairs[i] = DecodePair(keys[i]);
        return pairs;
    }

    /// <summary>Pair index k = b(b−1)/2 + a (0 ≤ a &lt; b) back to (a, b).</summary>
    private static (int A, int B) DecodePair(long k)
    {
        var b = (long)((1 + Math.Sqrt(1 + 8.0 * k)) / 2);
        while (b * (b - 1) / 2 > k) b--;
        while ((b + 1) * b / 2 <= k) b++;
        return ((int)(k - b * (b - 1) / 2), (int)b);
    }

    internal static int[][] ClassMembers(ReadOnlySpan<byte> labels, string where)
    {
        var lists = new List<int>[ClassCount];
        for (var c = 0; c < ClassCount; c++) lists[c] = [];
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= ClassCount) Throw.BadInput($"{where}: probe image {i} has label {labels[i]}, expected a digit 0..9 for a class selection");
            lists[labels[i]].Add(i);
        }
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>N pairs (class a, class b) using no image twice: a seeded shuffle of each class, taken in order.</summary>
    internal static (int A, int B)[] ClassPairs(int[][] byClass, int a, int b, int count, ulong seed, string where)
    {
        var pairs = new (int, int)[count];
        if (a == b)
        {
            if (byClass[a].Length < 2 * count)
                Throw.BadInput($"{where}: class {a} has {byClass[a].Length} images in the probe set, {2 * count} asked ({count} pairs of two distinct class-{a} images)");
            var members = Shuffled(byClass[a], SplitMix64.Mix(seed, 1));
            for (var i = 0; i < count; i++) pairs[i] = (members[2 * i], members[2 * i + 1]);
            return pairs;
        }
        foreach (var c in new[] { a, b })
            if (byClass[c].Length < count) Throw.BadInput($"{where}: class {c} has {byClass[c].Length} images in the probe set, {count} asked");
        var first = Shuffled(byClass[a], SplitMix64.Mix(seed, 1));
        var second = Shuffled(byClass[b], SplitMix64.Mix(seed, 2));
        for (var i = 0; i < count; i++) pairs[i] = (first[i], second[i]);
        return pairs;
    }

    private static int[] Shuffled(int[] members, ulong seed)
    {
        var order = SplitMix64.Permutation(members.Length, seed);
        var result = new int[members.Length];
        for (var i = 0; i < result.Length; i++) result[i] = members[order[i]];
        return result;
    }
}
