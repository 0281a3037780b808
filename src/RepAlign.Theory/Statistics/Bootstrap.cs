namespace RepAlign.Theory;

/// <summary>
/// The nonparametric bootstrap over the rows of a group (Efron 1979): draw n rows with replacement, compute the
/// statistic on the resample, repeat. Seeded with <see cref="Random(int)"/>, whose sequence for a given seed is fixed
/// across .NET versions, so the same seed gives the same replicates. Percentile intervals are the 2.5 % and 97.5 %
/// quantiles of the replicates; the caller takes them with its own quantile definition.
/// </summary>
public static class Bootstrap
{
    /// <summary>The number of resamples the analysis uses: enough for the 2.5 % and 97.5 % percentiles to be stable (±0.5 % in probability).</summary>
    public const int DefaultResamples = 2000;

    /// <summary>The resamples' row indices: <paramref name="resamples"/> arrays of n draws from 0..n−1 (the array is reused: copy it to keep it).</summary>
    /// <param name="rows">Rows in the group (n ≥ 0).</param>
    /// <param name="resamples">Number of resamples (≥ 1).</param>
    /// <param name="seed">The seed.</param>
    public static IEnumerable<int[]> ResampleIndices(int rows, int resamples, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        return Draw(rows, resamples, seed);

        static IEnumerable<int[]> Draw(int rows, int resamples, int seed)
        {
            var random = new Random(seed);
            var indices = new int[rows];
            for (int r = 0; r < resamples; r++)
            {
                for (int i = 0; i < rows; i++) indices[i] = random.Next(rows);
                yield return indices;
            }
        }
    }

    /// <summary>
    /// Bootstrap replicates of the median of each column, all columns resampled with the same rows (a joint bootstrap
    /// over rows): result[c][r] is the median of the finite values of column c in resample r (NaN when it has none).
    /// The median is the middle value, or the mean of the two middle values (the R7 quantile at ½). Each column is
    /// sorted once; a resample's median is read off the counts of its rows' ranks, O(n) per resample instead of a sort.
    /// </summary>
    /// <param name="columns">Columns of equal length n (the group's rows); non-finite values are skipped, as the median skips them.</param>
    /// <param name="resamples">Number of resamples (≥ 1).</param>
    /// <param name="seed">The seed (<see cref="GroupSeed"/>).</param>
    /// <exception cref="ArgumentException">Columns of different lengths.</exception>
    public static double[][] MedianReplicates(IReadOnlyList<double[]> columns, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(columns);
        int n = columns.Count == 0 ? 0 : columns[0].Length;
        if (columns.Any(c => c.Length != n)) throw new ArgumentException($"columns have lengths {string.Join(", ", columns.Select(c => c.Length))}; expected equal lengths.", nameof(columns));
        var sorted = new double[columns.Count][];
        var rank = new int[columns.Count][];
        for (int c = 0; c < columns.Count; c++)
        {
            var finite = Enumerable.Range(0, n).Where(i => double.IsFinite(columns[c][i])).OrderBy(i => columns[c][i]).ToArray();
            sorted[c] = finite.Select(i => columns[c][i]).ToArray();
            rank[c] = Enumerable.Repeat(-1, n).ToArray();
            for (int k = 0; k < finite.Length; k++) rank[c][finite[k]] = k;
        }

        var result = new double[columns.Count][];
        for (int c = 0; c < result.Length; c++) result[c] = new double[resamples];
        var counts = new int[n];
        int r = 0;
        foreach (var indices in ResampleIndices(n, resamples, seed))
        {
            for (int c = 0; c < columns.Count; c++)
            {
                Array.Clear(counts, 0, sorted[c].Length);
                int m = 0;
                foreach (int i in indices)
                {
                    int k = rank[c][i];
                    if (k < 0) continue;
                    counts[k]++;
                    m++;
                }

                result[c][r] = m == 0 ? double.NaN : 0.5 * (RankValue(sorted[c], counts, (m - 1) / 2) + RankValue(sorted[c], counts, m / 2));
            }

            r++;
        }

        return result;
    }

    /// <summary>A seed for one group of a run: the run's seed and the group's key mixed (SplitMix64), stable across processes.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="group">The group (e.g. the layer).</param>
    public static int GroupSeed(long seed, long group)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)group + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    // The value at 0-based position `position` of the resample in sorted order, from the counts of each sorted value.
    private static double RankValue(double[] sorted, int[] counts, int position)
    {
        int seen = 0;
        for (int k = 0; k < sorted.Length; k++)
        {
            seen += counts[k];
            if (seen > position) return sorted[k];
        }

        return double.NaN;
    }
}
