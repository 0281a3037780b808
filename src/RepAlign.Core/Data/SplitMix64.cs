namespace RepAlign.Core.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): RepAlign's one seeded generator for data draws (pair
/// selections, permutations, linear-probe splits). Its stream is fixed by the seed alone and is the same
/// on every platform and .NET version, unlike <see cref="Random"/>.
/// </summary>
/// <param name="state">The seed (the state before the first draw).</param>
public struct SplitMix64(ulong state)
{
    /// <summary>The next 64-bit draw.</summary>
    /// <returns>A uniformly distributed 64-bit value.</returns>
    public ulong Next()
    {
        state += 0x9E3779B97F4A7C15UL;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A draw in 0..bound−1 (the 128-bit multiply-high of the next draw; negligible bias for bound ≪ 2⁶⁴).</summary>
    /// <param name="bound">Exclusive upper bound, ≥ 1.</param>
    /// <returns>A value in 0..bound−1.</returns>
    public long Below(long bound) => (long)Math.BigMul(Next(), (ulong)bound, out _);

    /// <summary>A sub-seed from a seed and a tag (one SplitMix64 finalisation), so related draws get independent streams.</summary>
    /// <param name="seed">The parent seed.</param>
    /// <param name="tag">What the sub-seed is for (a number distinct per use).</param>
    /// <returns>The sub-seed.</returns>
    public static ulong Mix(ulong seed, ulong tag) => new SplitMix64(seed ^ (tag * 0xD1B54A32D192ED03UL)).Next();

    /// <summary>A permutation of 0..n−1 determined by the seed alone: Fisher–Yates from the last position down, one draw each.</summary>
    /// <param name="n">Length, ≥ 0.</param>
    /// <param name="seed">Seed.</param>
    /// <returns>A new array holding each of 0..n−1 once.</returns>
    public static int[] Permutation(int n, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var p = new int[n];
        for (var i = 0; i < n; i++) p[i] = i;
        var rng = new SplitMix64(seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)rng.Below(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
