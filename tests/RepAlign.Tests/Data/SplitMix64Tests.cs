using RepAlign.Core.Data;
using Xunit;

namespace RepAlign.Tests.Data;

public class SplitMix64Tests
{
    [Fact]
    public void Seeded_permutation_is_a_fixed_permutation_of_the_seed()
    {
        // Golden values (from an independent SplitMix64 + Fisher–Yates in another language): the
        // draws must not change across platforms or .NET versions.
        Assert.Equal(new[] { 4, 9, 2, 5, 1, 7, 6, 0, 3, 8 }, SplitMix64.Permutation(10, 0));
        Assert.Equal(new[] { 2, 5, 4, 7, 6, 3, 8, 0, 9, 1 }, SplitMix64.Permutation(10, 12345));
        for (ulong seed = 0; seed < 20; seed++)
            Assert.Equal(Enumerable.Range(0, 97), SplitMix64.Permutation(97, seed).Order());
    }

    [Fact]
    public void Below_stays_in_range_and_mix_separates_tags()
    {
        var rng = new SplitMix64(7);
        for (var i = 0; i < 1000; i++) Assert.InRange(rng.Below(13), 0, 12);
        Assert.NotEqual(SplitMix64.Mix(7, 1), SplitMix64.Mix(7, 2));
        Assert.Equal(SplitMix64.Mix(7, 1), SplitMix64.Mix(7, 1));
    }
}
