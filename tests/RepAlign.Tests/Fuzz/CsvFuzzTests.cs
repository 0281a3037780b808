using System.Text;
using CsCheck;
using RepAlign.Core.Data;
using RepAlign.Tests.Cli;

namespace RepAlign.Tests.Fuzz;

/// <summary>Generated pair CSVs and trajectory CSVs (quoting, BOM, CRLF, missing/extra columns, NaN, Inf, negatives, unsorted and duplicate epochs): exit 0 or 2 naming the file, never a partial output.</summary>
public class CsvFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] Numbers =
        ["0", "1", "2", "7", "42", "99", "100", "-1", "-0", "3.5", "1e3", "1e308", "1e400", "-1e308", "NaN", "nan", "Infinity", "-Infinity", "inf", "", " ", "x", "0x10", "1,5", "١", "2147483648", "+5", " 12 "];

    private static readonly string[] Endings = ["\n", "\r\n", "\r"];

    /// <summary>Stands for the file's line ending inside a generated block of rows.</summary>
    private const string LineBreak = "\u0001";

    /// <summary>One cell: a plain token, a quoted one (maybe with separators, quotes or line breaks inside), or an unterminated quote.</summary>
    private static readonly Gen<string> Cell = Gen.Frequency(
        (6, Gen.OneOfConst(Numbers)),
        (2, Gen.OneOfConst(Numbers).Select(n => $"\"{n}\"")),
        (1, Gen.OneOfConst("\"1,2\"", "\"a\"\"b\"", "\"3\n4\"", "\"5\r\n\"", "\"unterminated", "a\"b", "\"\"")));

    /// <summary>A CSV file: optional BOM, a header drawn from <paramref name="headers"/>, rows of cells with a line ending per file, stray blank lines.</summary>
    /// <remarks>A row may hold several lines joined by <see cref="LineBreak"/>, which becomes the file's line ending.</remarks>
    private static Gen<string> CsvText(Gen<string> header, Gen<string> row, int maxRows = 8) =>
        Gen.Select(Gen.Bool, header, row.Array[0, maxRows], Gen.OneOfConst(Endings), Gen.Int[0, 9], Gen.Bool,
            (bom, h, rows, eol, blankAt, finalEol) =>
            {
                var sb = new StringBuilder();
                if (bom) sb.Append('\uFEFF');
                sb.Append(h);
                for (var i = 0; i < rows.Length; i++)
                {
                    sb.Append(eol);
                    if (i == blankAt) sb.Append(eol);
                    sb.Append(rows[i].Replace(LineBreak, eol, StringComparison.Ordinal));
                }
                if (finalEol) sb.Append(eol);
                return sb.ToString();
            });

    private static readonly Gen<string> PairHeader = Gen.Frequency(
        (6, Gen.OneOfConst("a,b", "b,a", "a,b,label", "\"a\",\"b\"", "A, B", "index,a,b")),
        (1, Gen.OneOfConst("a", "", "x,y", "a,a", "a;b")));

    private static readonly Gen<string> PairRow = Gen.Frequency(
        (5, Gen.Select(Gen.Int[0, 99], Gen.Int[0, 99], (a, b) => $"{a},{b}")),
        (3, Cell.Array[1, 4].Select(cells => string.Join(',', cells))));

    [Fact]
    public void PairCsvsEndWithPairsOrBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var labels = Enumerable.Range(0, 100).Select(i => (byte)(i % 10)).ToArray();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        FuzzCheck.Run("pair CSV", CsvText(PairHeader, PairRow), text =>
        {
            var path = scratch.File($"pairs-{Interlocked.Increment(ref n)}.csv");
            File.WriteAllText(path, text, new UTF8Encoding(false));
            tally.Add(FuzzCheck.ExitCode(() => PairSelection.Select(path, labels, 1), path));
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 50, 50));
    }

    private static readonly Gen<string> TrajectoryHeader = Gen.Frequency(
        (10, Gen.OneOfConst("epoch,h2,y2,w", "epoch,h2,y2,w,loss,ybar0", "\"epoch\",\"h2\",\"y2\",\"w\"", "Epoch, H2, Y2, W", "epoch,h2,y2,w,extra")),
        (1, Gen.OneOfConst("epoch,h2,y2", "", "epoch;h2;y2;w", "epoch,h2,h2,y2,w", "h2,y2,w", "w,y2,h2,epoch")));

    /// <summary>The cells after the epoch: mostly well formed (so many files reach the fit), sometimes any cells.</summary>
    private static readonly Gen<string> TrajectoryValues = Gen.Frequency(
        (14, Gen.Select(Gen.Double[0.01, 5], Gen.Double[-2, 2], Gen.Double[-2, 2], (h, y, w) => FormattableString.Invariant($"{h:R},{y:R},{w:R}"))),
        (1, Cell.Array[2, 5].Select(cells => string.Join(',', cells))));

    /// <summary>Rows with epochs in order, repeated, reversed or swapped at one place; the epoch cell itself sometimes malformed.</summary>
    private static readonly Gen<string> TrajectoryRows = Gen.Select(TrajectoryValues.Array[0, 8], Gen.Int[0, 9], Gen.Int[0, 7], Gen.OneOfConst(Numbers),
        (values, order, at, odd) =>
        {
            var epochs = Enumerable.Range(0, values.Length).Select(i => (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (order == 7 && epochs.Length > 1) epochs[at % epochs.Length] = epochs[(at + 1) % epochs.Length];
            if (order == 8) Array.Reverse(epochs);
            if (order == 9 && epochs.Length > 0) epochs[at % epochs.Length] = odd;
            return string.Join(LineBreak, values.Select((v, i) => $"{epochs[i]},{v}"));
        });

    [Fact]
    public void TrajectoryCsvsThroughFitEndWithExit0Or2AndNoPartialOutput()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        FuzzCheck.Run("trajectory CSV", CsvText(TrajectoryHeader, TrajectoryRows, maxRows: 1), text =>
        {
            var k = Interlocked.Increment(ref n);
            var path = scratch.File($"trajectory-{k}.csv");
            var outDir = scratch.File($"out-{k}");
            File.WriteAllText(path, text, new UTF8Encoding(false));
            var (code, err) = CliRunner.Run("fit", "--trajectory", path, "--dx2", "1", "--dy2", "0.5", "--out", outDir);
            Assert.True(code is 0 or 2, $"exit {code}: {err}");
            var fits = Path.Combine(outDir, "fit", "fits.csv");
            if (code == 2)
            {
                Assert.Contains(path, err);
                Assert.False(Directory.Exists(outDir), "exit 2 left an output folder");
            }
            else Assert.True(File.Exists(fits), "exit 0 without fits.csv");
            FuzzCheck.NoTemporaryFiles(outDir);
            tally.Add(code);
            File.Delete(path);
            if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 20, 50));
    }
}
