using System.Globalization;
using System.Text.RegularExpressions;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;

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
                return new PairSet(RandomPairs(n, Count, seed), Canonical,
                    $"random:{Count} (seed {seed}): {Count} distinct unordered pairs a<b drawn uniformly from the {n} probe images");
            }
            case PairSelectionKind.Classes:
            {
                var byClass = ClassMembers(labels, where);
                return new PairSet(ClassPairs(byClass, ClassA, ClassB, Count, seed, where), Canonical,
                    $"classes:{ClassA}-{ClassB}:{Count} (seed {seed}): {Count} pairs of a class-{ClassA} and a class-{ClassB} image, no image in two pairs");
            }
            case PairSelectionKind.PerClassPair:
            {
                var byClass = ClassMembers(labels, where);
                for (var c = 0; c < ClassCount; c++)
                    if (byClass[c].Length < Count) Throw.BadInput($"{where}: class {c} has {byClass[c].Length} images in the probe set, {Count} asked");
                var pairs = new List<(int, int)>(45 * Count);
                for (var a = 0; a < ClassCount; a++)
                    for (var b = a + 1; b < ClassCount; b++)
                        pairs.AddRange(ClassPairs(byClass, a, b, Count, Mix(seed, (ulong)(a * ClassCount + b)), where));
                return new PairSet(pairs.ToArray(), Canonical,
                    $"per-class-pair:{Count} (seed {seed}): {Count} pairs for each of the 45 different-class pairs A<B " +
                    $"(same-class pairs not included), {pairs.Count} pairs; within a class pair no image is used twice");
            }
            default:
            {
                var pairs = ReadCsv(FilePath!, n);
                return new PairSet(pairs, Canonical, $"file:{FilePath} (sha256 {Hashing.File(FilePath!)}, {pairs.Length} pairs)");
            }
        }
    }

    /// <summary>Count distinct unordered pairs a &lt; b of 0..n−1, by Floyd's sampling over the pair index space, sorted.</summary>
    private static (int A, int B)[] RandomPairs(int n, int count, ulong seed)
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

    private static int[][] ClassMembers(ReadOnlySpan<byte> labels, string where)
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
    private static (int A, int B)[] ClassPairs(int[][] byClass, int a, int b, int count, ulong seed, string where)
    {
        var pairs = new (int, int)[count];
        if (a == b)
        {
            if (byClass[a].Length < 2 * count)
                Throw.BadInput($"{where}: class {a} has {byClass[a].Length} images in the probe set, {2 * count} asked ({count} pairs of two distinct class-{a} images)");
            var members = Shuffled(byClass[a], Mix(seed, 1));
            for (var i = 0; i < count; i++) pairs[i] = (members[2 * i], members[2 * i + 1]);
            return pairs;
        }
        foreach (var c in new[] { a, b })
            if (byClass[c].Length < count) Throw.BadInput($"{where}: class {c} has {byClass[c].Length} images in the probe set, {count} asked");
        var first = Shuffled(byClass[a], Mix(seed, 1));
        var second = Shuffled(byClass[b], Mix(seed, 2));
        for (var i = 0; i < count; i++) pairs[i] = (first[i], second[i]);
        return pairs;
    }

    private static int[] Shuffled(int[] members, ulong seed)
    {
        var order = MnistDataset.SeededPermutation(members.Length, seed);
        var result = new int[members.Length];
        for (var i = 0; i < result.Length; i++) result[i] = members[order[i]];
        return result;
    }

    /// <summary>Reads a CSV of index pairs (<see cref="UserCsv"/>: quoting, BOM, CRLF): a header naming columns a and b, then one pair per line; blank lines are skipped.</summary>
    private static (int A, int B)[] ReadCsv(string path, int n)
    {
        var table = UserCsv.Read(path, "a CSV file of index pairs with a header naming the columns a and b");
        int colA = table.IndexOf("a"), colB = table.IndexOf("b"), width = table.Columns.Count;
        if (colA < 0 || colB < 0)
            Throw.BadInput($"{path}:{table.HeaderLine}: header '{string.Join(",", table.Columns)}', expected a header naming the columns a and b (e.g. a,b)");
        var pairs = new List<(int, int)>();
        foreach (var row in table.Rows)
        {
            if (row.Cells.Count != width) Throw.BadInput($"{path}:{row.Line}: {row.Cells.Count} fields, expected {width} as in the header");
            var a = Index(row.Cells[colA], "a", path, row.Line, n);
            var b = Index(row.Cells[colB], "b", path, row.Line, n);
            if (a == b) Throw.BadInput($"{path}:{row.Line}: a = b = {a}, expected two different images");
            if (pairs.Count >= MaxPairs) Throw.BadInput($"{path}:{row.Line}: more than {MaxPairs} pairs, the limit");
            pairs.Add((a, b));
        }
        if (pairs.Count == 0) Throw.BadInput($"{path}: no pairs after the header, expected at least one line a,b");
        return pairs.ToArray();
    }

    private static int Index(string cell, string column, string path, int line, int n)
    {
        var text = cell.Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            Throw.BadInput($"{path}:{line}: {column} = '{text}', expected an integer image index 0..{n - 1}");
        if (value < 0 || value >= n)
            Throw.BadInput($"{path}:{line}: {column} = {value} is out of range, expected an image index 0..{n - 1} (the data set has {n} images)");
        return (int)value;
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

    /// <summary>A sub-seed from a seed and a tag (one SplitMix64 finalisation).</summary>
    private static ulong Mix(ulong seed, ulong tag) => new SplitMix64(seed ^ (tag * 0xD1B54A32D192ED03UL)).Next();

    [GeneratedRegex(@"^random:(?<n>[+-]?\d+)$")]
    private static partial Regex RandomForm();

    [GeneratedRegex(@"^classes:(?<a>\d+)-(?<b>\d+):(?<n>[+-]?\d+)$")]
    private static partial Regex ClassesForm();

    [GeneratedRegex(@"^per-class-pair:(?<n>[+-]?\d+)$")]
    private static partial Regex PerClassPairForm();

    /// <summary>SplitMix64: the same stream on every platform and .NET version.</summary>
    private struct SplitMix64(ulong state)
    {
        public ulong Next()
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>A draw in 0..bound−1 (multiply-high; negligible bias for bound ≪ 2⁶⁴).</summary>
        public long Below(long bound) => (long)Math.BigMul(Next(), (ulong)bound, out _);
    }
}
