using System.Globalization;
using CsCheck;
using RepAlign.Pipelines.Fitting;
using RepAlign.Tests.Cli;

namespace RepAlign.Tests.Fuzz;

/// <summary>
/// Generated Parquet long tables for <c>repalign fit --trajectory TABLE.parquet</c>: several (pair, layer) trajectories,
/// columns of any numeric type (double, float, int, long, nullable or not) in any order, rows shuffled across row
/// groups. Intact ones must read back as the trajectories written; each defect (a required column missing, text or
/// booleans where numbers belong, a null, a repeated epoch, dx2 changing within a trajectory, dx2 ≤ 0, a fractional
/// pair, no rows, no dx2 at all, a truncated or garbage file) must be exit 2 naming the file, with nothing written;
/// flipped bits may go either way. Every tenth case runs the whole command (<c>repalign fit</c>) as well.
/// </summary>
public class LongTableFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Type[] Numeric = [typeof(double), typeof(float), typeof(int), typeof(long)];
    private static readonly string[] Names = ["pair", "layer", "epoch", "h2", "y2", "w", "dx2", "dy2", "loss"];

    /// <summary>What generates a table: trajectories (pair, layer, epochs, values, dx2, dy2), each column's type and nullability, options, a seed.</summary>
    private sealed record Spec((int Pair, int Layer, int[] Epochs, int[] Values, int Dx2, int Dy2)[] Trajectories, int[] Types, bool[] Nullable, int Options, int Seed, int Defect, int At);

    private static readonly Gen<Spec> Specs = Gen.Select(
        Gen.Select(Gen.Int[0, 60], Gen.Int[0, 3], Gen.Int[0, 100].Array[1, 6], Gen.Int[1, 1000].Array[4], Gen.Int[1, 8], Gen.Int[0, 8]).Array[1, 4],
        Gen.Int[0, Numeric.Length - 1].Array[Names.Length], Gen.Bool.Array[Names.Length], Gen.Int[0, 5], Gen.Int[0, 1 << 30], Gen.Int[0, 19], Gen.Int[0, 1 << 20],
        (ts, types, nullable, options, seed, defect, at) => new Spec(ts, types, nullable, options, seed, defect, at));

    /// <summary>The value a column of <paramref name="type"/> stores for <paramref name="x"/>.</summary>
    private static double Exact(Type type, double x) => type == typeof(float) ? (float)x : type == typeof(int) || type == typeof(long) ? Math.Round(x) : x;

    /// <summary>A table built from a spec: columns, row groups, the defaults given for dx2/dy2, the trajectories it must read as, what it must give.</summary>
    private sealed record Table(List<ParquetColumns.Column> Columns, int[] Groups, double Dx2, double Dy2, TrajectoryInput[] Expected, string Defect, Expect Expect);

    private static Table Build(Spec s)
    {
        var types = s.Types.Select(i => Numeric[i]).ToArray();
        var random = new Random(s.Seed);
        var (hasPair, hasLayer, perRow) = (s.Options % 3 != 1, s.Options % 3 != 0, s.Options < 3);
        var keys = s.Trajectories.DistinctBy(t => (hasPair ? t.Pair : 0, hasLayer ? t.Layer : 0)).ToArray();
        var expected = new List<TrajectoryInput>();
        var rows = new List<double[]>(); // in Names' order
        foreach (var (pair, layer, epochs, values, dx2, dy2) in keys)
        {
            var e = epochs.Distinct().Order().Select(x => (double)x).ToArray();
            double[] Values(int column) => e.Select((_, k) => Exact(types[column], values[k % 4] * (k + 1) / 8.0 + column)).ToArray();
            var (d, q) = perRow ? (Exact(types[6], dx2), Exact(types[7], dy2)) : (0.5, 0.25);
            var t = new TrajectoryInput(hasPair ? pair : 0, hasLayer ? layer : 0, -1, -1, -1, -1, d, q,
                new RepAlign.Theory.Trajectory(e, Values(3), Values(4), Values(5), Values(8)));
            expected.Add(t);
            for (var k = 0; k < e.Length; k++) rows.Add([t.Pair, t.Layer, e[k], t.Trajectory.H[k], t.Trajectory.Y[k], t.Trajectory.W[k], d, q, t.Trajectory.Loss![k]]);
        }
        var (defect, expect) = ("intact", Expect.Same);
        var first = rows.FindIndex(r => rows.Count(o => o[0] == r[0] && o[1] == r[1]) > 1); // a row of a trajectory with two rows or more
        var mate = first < 0 ? -1 : rows.FindIndex(first + 1, r => r[0] == rows[first][0] && r[1] == rows[first][1]);
        switch (s.Defect)
        {
            case 1 when mate >= 0: rows[mate][2] = rows[first][2]; (defect, expect) = ("a repeated epoch", Expect.Bad); break;
            case 2 when mate >= 0 && perRow: rows[mate][6] += 1; (defect, expect) = ("dx2 changed within a trajectory", Expect.Bad); break;
            case 3 when perRow: foreach (var r in rows) r[6] = s.At % 2 == 0 ? 0 : -3; (defect, expect) = ("dx2 ≤ 0", Expect.Bad); break;
            case 4 when perRow: foreach (var r in rows) r[7] = -1; (defect, expect) = ("dy2 < 0", Expect.Bad); break;
            case 5 when hasPair: types[0] = typeof(double); rows[s.At % rows.Count][0] += 0.5; (defect, expect) = ("a fractional pair", Expect.Bad); break;
        }
        var shuffled = rows.OrderBy(_ => random.Next()).ToArray();
        var columns = Enumerable.Range(0, Names.Length)
            .Where(c => (c != 0 || hasPair) && (c != 1 || hasLayer) && (c is not (6 or 7) || perRow))
            .Select(c => new ParquetColumns.Column(Names[c], types[c], s.Nullable[c], shuffled.Select(r => ParquetColumns.As(r[c], types[c])).ToArray()))
            .OrderBy(_ => random.Next()).ToList();
        int Index(string name) => columns.FindIndex(c => c.Name == name);
        var cut = random.Next(shuffled.Length + 1);
        int[] groups = cut == 0 || cut == shuffled.Length ? [shuffled.Length] : [cut, shuffled.Length - cut];
        switch (s.Defect)
        {
            case 6: columns.RemoveAt(Index(new[] { "epoch", "h2", "y2", "w" }[s.At % 4])); (defect, expect) = ("a required column missing", Expect.Bad); break;
            case 7: columns[Index("h2")] = columns[Index("h2")] with { Type = typeof(string), Values = columns[Index("h2")].Values.Select(v => (object?)Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray() }; (defect, expect) = ("h2 as text", Expect.Bad); break;
            case 8: columns[Index("y2")] = columns[Index("y2")] with { Type = typeof(bool), Values = columns[Index("y2")].Values.Select(v => (object?)(Convert.ToDouble(v, CultureInfo.InvariantCulture) > 1)).ToArray() }; (defect, expect) = ("y2 as booleans", Expect.Bad); break;
            case 9: columns[Index("w")].Values[s.At % shuffled.Length] = null; columns[Index("w")] = columns[Index("w")] with { Nullable = true }; (defect, expect) = ("a null in w", Expect.Bad); break;
            case 10: columns = columns.Select(c => c with { Values = [] }).ToList(); groups = [0]; (defect, expect) = ("no rows", Expect.Bad); break;
            case 11 when perRow: columns.RemoveAt(Index("dx2")); (defect, expect) = ("no dx2 column and no --dx2", Expect.Bad); break;
        }
        return new Table(columns, groups, perRow ? double.NaN : 0.5, perRow ? double.NaN : 0.25,
            expected.OrderBy(x => x.Pair).ThenBy(x => x.Layer).ToArray(), defect, expect);
    }

    /// <summary>The file's bytes, damaged for defects 12–14 (truncated, bits flipped, garbage).</summary>
    private static (byte[] Bytes, string Defect, Expect Expect) Damage(byte[] bytes, Table t, Spec s)
    {
        var random = new Random(s.At);
        switch (s.Defect)
        {
            case 12: return (bytes[..random.Next(bytes.Length - 1)], "truncated", Expect.Bad);
            case 13:
                var flipped = (byte[])bytes.Clone();
                for (var k = 0; k <= s.At % 4; k++) flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return (flipped, "flipped bits", Expect.Either);
            case 14:
                var garbage = new byte[random.Next(1, 400)];
                random.NextBytes(garbage);
                return (garbage, "garbage", Expect.Bad);
            default: return (bytes, t.Defect, t.Expect);
        }
    }

    private static void AssertSameTrajectories(IReadOnlyList<TrajectoryInput> expected, IReadOnlyList<TrajectoryInput> read)
    {
        Assert.Equal(expected.Count, read.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, r) = (expected[i], read[i]);
            Assert.Equal((e.Pair, e.Layer, e.A, e.B, e.LabelA, e.LabelB, e.Dx2, e.Dy2), (r.Pair, r.Layer, r.A, r.B, r.LabelA, r.LabelB, r.Dx2, r.Dy2));
            Assert.Equal(e.Trajectory.Epoch, r.Trajectory.Epoch);
            Assert.Equal(e.Trajectory.H, r.Trajectory.H);
            Assert.Equal(e.Trajectory.Y, r.Trajectory.Y);
            Assert.Equal(e.Trajectory.W, r.Trajectory.W);
            Assert.Equal(e.Trajectory.Loss, r.Trajectory.Loss);
            Assert.Null(r.Trajectory.Ybar0);
        }
    }

    [Fact]
    public void ParquetLongTablesReadBackAsWrittenOrAreBadInputNamingTheFileAndFitWritesNothing()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        var outcomes = new Dictionary<string, int>();
        long n = 0, commands = 0;
        FuzzCheck.Run("long table (Parquet)", Specs, spec =>
        {
            var k = Interlocked.Increment(ref n);
            var table = Build(spec);
            var (bytes, defect, expect) = Damage(ParquetColumns.Write(table.Columns, table.Groups), table, spec);
            var path = scratch.File($"table-{k}.parquet");
            File.WriteAllBytes(path, bytes);
            IReadOnlyList<TrajectoryInput>? read = null;
            var code = FuzzCheck.ExitCode(() => read = TrajectoryTable.Read(path, table.Dx2, table.Dy2), path);
            tally.Add(code);
            outcomes[$"{defect}: exit {code}"] = outcomes.GetValueOrDefault($"{defect}: exit {code}") + 1;
            if (expect == Expect.Bad) Assert.True(code == 2, $"{defect}: read without an error");
            if (expect == Expect.Same)
            {
                Assert.True(code == 0, $"{defect}: not read");
                AssertSameTrajectories(table.Expected, read!);
            }
            if (k % 10 == 0 || code == 2 && k % 3 == 0)
            {
                commands++;
                var outDir = scratch.File($"out-{k}");
                string[] defaults = double.IsNaN(table.Dx2) ? [] : ["--dx2", "0.5", "--dy2", "0.25"];
                var (cli, err) = CliRunner.Run(["fit", "--trajectory", path, .. defaults, "--out", outDir]);
                Assert.True(cli == code, $"{defect}: repalign fit exit {cli}, the reader {code}: {err}");
                if (cli == 2) Assert.False(Directory.Exists(outDir), "exit 2 left an output folder");
                else Assert.True(File.Exists(Path.Combine(outDir, "fit", "fits.parquet")));
                FuzzCheck.NoTemporaryFiles(outDir);
                if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
            }
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine($"{tally.AssertSeen(FuzzCheck.Cases, 100, 300)}; {commands} through repalign fit");
        foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal)) output.WriteLine($"  {outcome}: {count}");
    }
}
