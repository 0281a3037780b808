using RepAlign.Core;
using RepAlign.Core.Data;

namespace RepAlign.Tests.Data;

public class PairSelectionTests
{
    /// <summary>A probe set of n images whose labels cycle 0..9 (image i has label i mod 10), unless given.</summary>
    private static byte[] Labels(int n) => Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();

    [Fact]
    public void All_is_every_unordered_pair_once()
    {
        var set = PairSelection.Select("all", Labels(7), 1);
        Assert.Equal(21, set.Count);
        Assert.All(set.Pairs, p => Assert.True(p.A < p.B));
        Assert.Equal(21, set.Pairs.Distinct().Count());
        Assert.Equal("all", set.Canonical);
        Assert.Contains("21 pairs", set.Description);
    }

    [Fact]
    public void All_above_the_limit_is_refused_with_the_numbers()
    {
        var e = Assert.Throws<BadInputException>(() => PairSelection.Select("all", new byte[3200], 1));
        Assert.Contains("3200 probe images", e.Message);
        Assert.Contains("5,118,400 pairs", e.Message);
        Assert.Contains("random:N", e.Message);
        Assert.Equal(2, e.ExitCode);
    }

    [Theory]
    [InlineData(50, 1)]
    [InlineData(50, 1000)]
    [InlineData(50, 1225)] // every pair: Floyd's algorithm must still terminate and cover them all
    [InlineData(10000, 20000)]
    public void Random_pairs_are_distinct_unordered_in_range_and_seeded(int n, int count)
    {
        var labels = Labels(n);
        var set = PairSelection.Select($"random:{count}", labels, 42);
        Assert.Equal(count, set.Count);
        Assert.All(set.Pairs, p => Assert.True(0 <= p.A && p.A < p.B && p.B < n));
        Assert.Equal(count, set.Pairs.Distinct().Count());
        Assert.Equal(set.Pairs, PairSelection.Select($"random:{count}", labels, 42).Pairs);
        if (count < n * (n - 1) / 2) Assert.NotEqual(set.Pairs, PairSelection.Select($"random:{count}", labels, 43).Pairs);
        Assert.Contains("seed 42", set.Description);
    }

    [Fact]
    public void Random_pairs_cover_the_pair_space_uniformly()
    {
        // 20 images = 190 pairs; 10,000 draws of 19 pairs each: every pair should be picked ≈ 1000 times.
        var counts = new Dictionary<(int, int), int>();
        for (ulong seed = 0; seed < 10000; seed++)
            foreach (var p in PairSelection.Select("random:19", Labels(20), seed).Pairs)
                counts[p] = counts.GetValueOrDefault(p) + 1;
        Assert.Equal(190, counts.Count);
        Assert.InRange(counts.Values.Min(), 850, 1000);
        Assert.InRange(counts.Values.Max(), 1000, 1150);
    }

    [Fact]
    public void Random_more_than_exist_is_refused()
    {
        var e = Assert.Throws<BadInputException>(() => PairSelection.Select("random:11", Labels(5), 1));
        Assert.Contains("5 images has 10 distinct pairs, 11 asked", e.Message);
    }

    [Theory]
    [InlineData(3, 5, 20)]
    [InlineData(7, 7, 10)]
    public void Classes_pairs_have_the_classes_and_never_reuse_an_image(int a, int b, int count)
    {
        var labels = Labels(500); // 50 images per class
        var set = PairSelection.Select($"classes:{a}-{b}:{count}", labels, 9);
        Assert.Equal(count, set.Count);
        Assert.All(set.Pairs, p => Assert.Equal((a, b), (labels[p.A], labels[p.B])));
        var images = set.Pairs.SelectMany(p => new[] { p.A, p.B }).ToArray();
        Assert.Equal(images.Length, images.Distinct().Count());
        Assert.Equal(set.Pairs, PairSelection.Select($"classes:{a}-{b}:{count}", labels, 9).Pairs);
        Assert.Equal($"classes:{a}-{b}:{count}", set.Canonical);
    }

    [Fact]
    public void A_class_with_too_few_images_is_named_with_its_count()
    {
        var labels = new byte[] { 7, 7, 7, 3, 3, 3, 3, 3, 3 };
        var e = Assert.Throws<BadInputException>(() => PairSelection.Select("classes:7-3:5", labels, 1));
        Assert.Contains("class 7 has 3 images in the probe set, 5 asked", e.Message);
        e = Assert.Throws<BadInputException>(() => PairSelection.Select("classes:3-3:4", labels, 1));
        Assert.Contains("class 3 has 6 images in the probe set, 8 asked", e.Message);
        e = Assert.Throws<BadInputException>(() => PairSelection.Select("per-class-pair:1", labels, 1));
        Assert.Contains("class 0 has 0 images in the probe set, 1 asked", e.Message);
    }

    [Fact]
    public void Per_class_pair_gives_n_pairs_for_each_of_the_45_different_class_pairs()
    {
        var labels = Labels(300);
        var set = PairSelection.Select("per-class-pair:4", labels, 5);
        Assert.Equal(45 * 4, set.Count);
        var byClassPair = set.Pairs.GroupBy(p => (labels[p.A], labels[p.B])).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(45, byClassPair.Count);
        Assert.All(byClassPair, kv => Assert.True(kv.Key.Item1 < kv.Key.Item2 && kv.Value == 4));
        Assert.Contains("same-class pairs not included", set.Description);
    }

    [Theory]
    [InlineData("random:0", "N = 0")]
    [InlineData("random:-3", "N = -3")]
    [InlineData("classes:3-5:0", "N = 0")]
    [InlineData("per-class-pair:0", "N = 0")]
    [InlineData("classes:3-12:5", "class 12")]
    [InlineData("random", "random:N")]
    [InlineData("classes:3:5", "classes:A-B:N")]
    [InlineData("pairs-of-everything", "all, random:N, classes:A-B:N")]
    [InlineData("", "an empty selection")]
    public void Bad_forms_say_what_is_expected(string text, string expected)
    {
        var e = Assert.Throws<BadInputException>(() => PairSelection.Parse(text, "extract.pairs"));
        Assert.Contains("extract.pairs", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Csv_file_is_read_with_header_and_checked_line_by_line()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("pairs.csv");
        File.WriteAllText(path, "b,a,note\n1,0,x\n\n9,3,y\n");
        var set = PairSelection.Select(path, Labels(10), 0);
        Assert.Equal(new[] { (0, 1), (3, 9) }, set.Pairs);
        Assert.Equal(PairSelectionKind.File, PairSelection.Parse(path).Kind);
        Assert.Contains("sha256", set.Description);
        Assert.Equal(set.Pairs, PairSelection.Select("pairs.csv", Labels(10), 0, baseDirectory: dir.Path).Pairs);

        File.WriteAllText(path, "a,b\n0,1\n2,10\n");
        var e = Assert.Throws<BadInputException>(() => PairSelection.Select(path, Labels(10), 0));
        Assert.Contains($"{path}:3", e.Message);
        Assert.Contains("b = 10 is out of range", e.Message);
        Assert.Contains("0..9", e.Message);

        File.WriteAllText(path, "0,1\n2,3\n");
        e = Assert.Throws<BadInputException>(() => PairSelection.Select(path, Labels(10), 0));
        Assert.Contains($"{path}:1", e.Message);
        Assert.Contains("header", e.Message);

        File.WriteAllText(path, "a,b\n1,x\n");
        Assert.Contains($"{path}:2: b = 'x'", Assert.Throws<BadInputException>(() => PairSelection.Select(path, Labels(10), 0)).Message);
        File.WriteAllText(path, "a,b\n4,4\n");
        Assert.Contains("two different images", Assert.Throws<BadInputException>(() => PairSelection.Select(path, Labels(10), 0)).Message);
        File.WriteAllText(path, "a,b\n");
        Assert.Contains("no pairs", Assert.Throws<BadInputException>(() => PairSelection.Select(path, Labels(10), 0)).Message);
        Assert.Contains("file not found", Assert.Throws<BadInputException>(() => PairSelection.Select(dir.File("missing.csv"), Labels(10), 0)).Message);
    }

    [Fact]
    public void Distinct_images_are_those_of_the_pairs()
    {
        var set = new PairSet([(5, 2), (2, 9), (9, 5)], "x", "x");
        Assert.Equal(new[] { 2, 5, 9 }, set.DistinctImages());
    }
}
