using System.Globalization;
using System.Text.RegularExpressions;
using RepAlign.Core.Runs;

namespace RepAlign.Core.Data;

/// <summary>The forms of a pair selection.</summary>
public enum PairSelectionKind
{
    /// <summary><c>all</c>: every unordered pair of the probe set.</summary>
    All,
    /// <summary><c>random:N</c>: N distinct unordered pairs drawn uniformly.</summary>
    Random,
    /// <summary><c>classes:A-B:N</c>: N pairs of a class-A and a class-B image.</summary>
    Classes,
    /// <summary><c>per-class-pair:N</c>: N pairs for each of the 45 different-class pairs A &lt; B.</summary>
    PerClassPair,
    /// <summary>A CSV file of index pairs (header with columns a and b).</summary>
    File,
}

/// <summary>
/// A parsed pair selection (the <c>extract.pairs</c> setting, or <c>--pairs</c> of reanalyze) over a
/// probe set of labelled images. Forms:
/// <list type="bullet">
/// <item><c>all</c>: every unordered pair (a &lt; b) of the probe set; refused above <see cref="MaxPairs"/> pairs.</item>
/// <item><c>random:N</c>: N distinct unordered pairs a &lt; b, drawn uniformly without replacement (Floyd's algorithm).</item>
/// <item><c>classes:A-B:N</c>: N pairs, a of class A and b of class B; no image appears in two of these
/// pairs, so the pairs are independent samples (N distinct images of each class; 2N of class A when A = B).</item>
/// <item><c>per-class-pair:N</c>: <c>classes:A-B:N</c> for each of the 45 different-class pairs A &lt; B
/// (same-class pairs are not included), 45·N pairs; an image may appear in several class pairs.</item>
/// <item>a path to a CSV file with a header naming columns <c>a</c> and <c>b</c> (others ignored), one
/// pair of 0-based indices per line.</item>
/// </list>
/// Draws are seeded (SplitMix64, the same on every platform), so a selection and a seed always
/// give the same pairs in the same order.
/// </summary>
public sealed partial record PairSelection
{
    /// <summary>The most pairs a selection may produce (<c>all</c> among 3163 images is just below it).</summary>
    public const long MaxPairs = 5_000_000;

    /// <summary>Number of digit classes the class forms know (0..9).</summary>
    public const int ClassCount = MnistDataset.ClassCount;

    /// <summary>The forms, for messages.</summary>
    public const string Forms = "all, random:N, classes:A-B:N (A, B digits 0..9), per-class-pair:N, or the path of a CSV file with columns a,b";

    private PairSelection(PairSelectionKind kind, int count, int classA, int classB, string? filePath, string field)
    {
        Kind = kind;
        Count = count;
        ClassA = classA;
        ClassB = classB;
        FilePath = filePath;
        Field = field;
    }

    /// <summary>The form.</summary>
    public PairSelectionKind Kind { get; }

    /// <summary>N of <c>random:N</c>, <c>classes:A-B:N</c> and <c>per-class-pair:N</c>; 0 otherwise.</summary>
    public int Count { get; }

    /// <summary>A of <c>classes:A-B:N</c>; −1 otherwise.</summary>
    public int ClassA { get; }

    /// <summary>B of <c>classes:A-B:N</c>; −1 otherwise.</summary>
    public int ClassB { get; }

    /// <summary>The full path of the CSV file of the file form; null otherwise.</summary>
    public string? FilePath { get; }

    /// <summary>The setting this selection came from, named in messages (e.g. <c>extract.pairs</c>).</summary>
    public string Field { get; }

    /// <summary>The canonical text form: <c>all</c>, <c>random:N</c>, <c>classes:A-B:N</c>, <c>per-class-pair:N</c>, or the file's full path.</summary>
    public string Canonical => Kind switch
    {
        PairSelectionKind.All => "all",
        PairSelectionKind.Random => $"random:{Count}",
        PairSelectionKind.Classes => $"classes:{ClassA}-{ClassB}:{Count}",
        PairSelectionKind.PerClassPair => $"per-class-pair:{Count}",
        _ => FilePath!,
    };

    /// <inheritdoc />
    public override string ToString() => Canonical;

    /// <summary>Parses a selection; throws <see cref="BadInputException"/> naming <paramref name="field"/> for an unknown form or a bad number.</summary>
    /// <param name="text">The selection text.</param>
    /// <param name="field">The setting it came from, for messages.</param>
    /// <param name="baseDirectory">Folder a relative CSV path is resolved against (null: the working directory).</param>
    /// <returns>The parsed selection (a CSV file is read by <see cref="Apply"/>).</returns>
    public static PairSelection Parse(string text, string field = "extract.pairs", string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.Length == 0) Throw.BadValue(field, "an empty selection", Forms);
        if (t == "all") return new PairSelection(PairSelectionKind.All, 0, -1, -1, null, field);

        var m = RandomForm().Match(t);
        if (m.Success) return new PairSelection(PairSelectionKind.Random, Positive(m.Groups["n"].Value, field, t), -1, -1, null, field);
        m = ClassesForm().Match(t);
        if (m.Success)
        {
            int a = Digit(m.Groups["a"].Value, field, t), b = Digit(m.Groups["b"].Value, field, t);
            return new PairSelection(PairSelectionKind.Classes, Positive(m.Groups["n"].Value, field, t), a, b, null, field);
        }
        m = PerClassPairForm().Match(t);
        if (m.Success) return new PairSelection(PairSelectionKind.PerClassPair, Positive(m.Groups["n"].Value, field, t), -1, -1, null, field);

        var keyword = t.Split(':')[0];
        if (keyword is "random" or "classes" or "per-class-pair" or "all")
            Throw.BadValue(field, $"'{t}'", $"{keyword} written as {Example(keyword)} (forms: {Forms})");
        var path = Path.GetFullPath(baseDirectory is null ? t : Path.Combine(baseDirectory, t));
        if (t.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || System.IO.File.Exists(path))
            return new PairSelection(PairSelectionKind.File, 0, -1, -1, path, field);
        return Throw.BadInput<PairSelection>($"{field}: found '{t}', expected one of {Forms}");
    }

    /// <summary>Parses and applies a selection in one step.</summary>
    /// <param name="text">The selection text (see <see cref="Parse"/>).</param>
    /// <param name="labels">Labels of the probe set, one per image; pairs index into it.</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="field">The setting it came from, for messages.</param>
    /// <param name="baseDirectory">Folder a relative CSV path is resolved against.</param>
    /// <returns>The pairs.</returns>
    public static PairSet Select(string text, ReadOnlySpan<byte> labels, ulong seed, string field = "extract.pairs", string? baseDirectory = null) =>
        Parse(text, field, baseDirectory).Apply(labels, seed);

    /// <summary>
    /// Selects the pairs among the probe set whose labels are <paramref name="labels"/> (image i of
    /// the probe set has label <c>labels[i]</c>; pairs are indices 0..N−1 into it). Throws
    /// <see cref="BadInputException"/> when the probe set cannot supply the pairs asked for.
    /// </summary>
    /// <param name="labels">Labels of the probe set, one per image (digits 0..9 for the class forms).</param>
    /// <param name="seed">Seed of the draws (ignored by <c>all</c> and files).</param>
    /// <returns>The pairs with their description.</returns>
    public PairSet Apply(ReadOnlySpan<byte> labels, ulong seed)
    {
        var n = labels.Length;
        var where = $"{Field} {Canonical}";
        var inv = CultureInfo.InvariantCulture;
        switch (Kind)
        {
            case PairSelectionKind.All:
            {
                var total = (long)n * (n - 1) / 2;
                if (n < 2) Throw.BadInput($"{where}: the probe set has {n} image(s), expected at least 2");
                if (total > MaxPairs)
                    Throw.BadInput($"{where}: {n} probe images give {total.ToString("N0", inv)} pairs, more than the limit of {MaxPairs.ToString("N0", inv)}; use random:N or a smaller probe set");
                var pairs = new (int, int)[total];
                var k = 0;
                for (var a = 0; a < n; a++)
                    for (var b = a + 1; b < n; b++) pairs[k++] = (a, b);
                return new PairSet(pairs, Canonical, $"all: every unordered pair a<b of the {n} probe images ({total} pairs)");
            }
            case PairSelectionKind.Random:
            {
                var total = (long)n * (n - 1) / 2;
                if (Count > total)
                    Throw.BadInput($"{where}: the probe set of {n} images has {total} distinct pairs, {Count} asked");
                if (Count > MaxPairs)
                    Throw.BadInput($"{where}: {Count.ToString("N0", inv)} pairs asked, more than the limit of {MaxPairs.ToString("N0", inv)}");
                return new PairSet(PairSampling.RandomPairs(n, Count, seed), Canonical,
                    $"random:{Count} (seed {seed}): {Count} distinct unordered pairs a<b drawn uniformly from the {n} probe images");
            }
            case PairSelectionKind.Classes:
            {
                var byClass = PairSampling.ClassMembers(labels, where);
                return new PairSet(PairSampling.ClassPairs(byClass, ClassA, ClassB, Count, seed, where), Canonical,
                    $"classes:{ClassA}-{ClassB}:{Count} (seed {seed}): {Count} pairs of a class-{ClassA} and a class-{ClassB} image, no image in two pairs");
            }
            case PairSelectionKind.PerClassPair:
            {
                var byClass = PairSampling.ClassMembers(labels, where);
                for (var c = 0; c < ClassCount; c++)
                    if (byClass[c].Length < Count) Throw.BadInput($"{where}: class {c} has {byClass[c].Length} images in the probe set, {Count} asked");
                var pairs = new List<(int, int)>(45 * Count);
                for (var a = 0; a < ClassCount; a++)
                    for (var b = a + 1; b < ClassCount; b++)
                        pairs.AddRange(PairSampling.ClassPairs(byClass, a, b, Count, SplitMix64.Mix(seed, (ulong)(a * ClassCount + b)), where));
                return new PairSet(pairs.ToArray(), Canonical,
                    $"per-class-pair:{Count} (seed {seed}): {Count} pairs for each of the 45 different-class pairs A<B " +
                    $"(same-class pairs not included), {pairs.Count} pairs; within a class pair no image is used twice");
            }
            default:
            {
                var pairs = PairCsv.Read(FilePath!, n);
                return new PairSet(pairs, Canonical, $"file:{FilePath} (sha256 {Hashing.File(FilePath!)}, {pairs.Length} pairs)");
            }
        }
    }

    private static int Positive(string digits, string field, string text)
    {
        if (!int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            Throw.BadValue($"{field} {text}", $"N = {digits}", $"a positive integer up to {MaxPairs}");
        if (n <= 0) Throw.BadValue($"{field} {text}", $"N = {n}", "N ≥ 1 pairs");
        return n;
    }

    private static int Digit(string digits, string field, string text)
    {
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c >= ClassCount)
            Throw.BadValue($"{field} {text}", $"class {digits}", "a digit class 0..9");
        return c;
    }

    private static string Example(string keyword) => keyword switch
    {
        "random" => "random:N (e.g. random:1000)",
        "classes" => "classes:A-B:N (e.g. classes:3-5:100)",
        "per-class-pair" => "per-class-pair:N (e.g. per-class-pair:20)",
        _ => "all (no arguments)",
    };

    [GeneratedRegex(@"^random:(?<n>[+-]?\d+)$")]
    private static partial Regex RandomForm();

    [GeneratedRegex(@"^classes:(?<a>\d+)-(?<b>\d+):(?<n>[+-]?\d+)$")]
    private static partial Regex ClassesForm();

    [GeneratedRegex(@"^per-class-pair:(?<n>[+-]?\d+)$")]
    private static partial Regex PerClassPairForm();
}
