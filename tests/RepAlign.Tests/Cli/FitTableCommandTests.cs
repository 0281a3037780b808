using System.Globalization;
using System.Text;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;
using RepAlign.Theory;

namespace RepAlign.Tests.Cli;

/// <summary>`repalign fit` on a long table of many (pair, layer) trajectories, CSV and Parquet, and its bad inputs.</summary>
public class FitTableCommandTests
{
    private static (int Code, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static readonly (double EtaH, double EtaY)[] Rates = [(0.01, 0.05), (0.02, 0.04), (0.005, 0.08), (0.015, 0.03), (0.03, 0.06), (0.008, 0.02)];

    /// <summary>Six trajectories (pairs 0–2 × layers 0–1) of the 3-D system with known rates, rows shuffled (seeded).</summary>
    private static PairRow[] Rows()
    {
        var rows = new List<PairRow>();
        var times = Enumerable.Range(0, 80).Select(e => (double)e).ToArray();
        for (var k = 0; k < Rates.Length; k++)
        {
            var (pair, layer) = (k / 2, k % 2);
            var (dx2, dy2) = (1.0 + 0.25 * pair, 0.5 + 0.1 * layer);
            var states = DormandPrinceIntegrator.Solve(new TwoPointSystem(Rates[k].EtaH, Rates[k].EtaY, dx2, dy2), [0.3, 0.02, 0.0], 0.0, times, null, out _);
            for (var e = 0; e < times.Length; e++)
                rows.Add(new PairRow { Epoch = e, Layer = layer, Pair = pair, A = 10 + pair, B = 20 + pair, LabelA = -1, LabelB = -1, Dx2 = dx2, Dy2 = dy2,
                                       H2 = states[3 * e], Y2 = states[3 * e + 1], W = states[3 * e + 2] });
        }
        var random = new Random(7);
        return rows.OrderBy(_ => random.Next()).ToArray();
    }

    private static string Csv(IEnumerable<PairRow> rows) =>
        new StringBuilder("layer,pair,epoch,a,b,dx2,dy2,h2,y2,w\n").AppendJoin("", rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"{r.Layer},{r.Pair},{r.Epoch},{r.A},{r.B},{r.Dx2:R},{r.Dy2:R},{r.H2:R},{r.Y2:R},{r.W:R}\n"))).ToString();

    [Fact]
    public void LongCsvFitsEveryTrajectoryRecoversItsRatesAndEqualsTheRunsFitStage()
    {
        using var scratch = new ScratchFolder();
        var rows = Rows();
        var csv = scratch.File("long.csv");
        File.WriteAllText(csv, Csv(rows));
        var (code, err) = Run("fit", "--trajectory", csv, "--out", scratch.File("out"));
        Assert.True(code == 0, err);
        var fits = TableFile.Read<FitRow>(scratch.File("out/fit/fits.parquet")).ToArray();
        Assert.Equal(6, fits.Length);
        Assert.Equal(7, File.ReadAllLines(scratch.File("out/fit/fits.csv")).Length); // header + one row per trajectory
        for (var k = 0; k < Rates.Length; k++)
        {
            var f = Assert.Single(fits, f => f.Pair == k / 2 && f.Layer == k % 2);
            Assert.Equal("converged", f.Status);
            Assert.InRange(f.EtaH / Rates[k].EtaH, 0.98, 1.02);
            Assert.InRange(f.EtaY / Rates[k].EtaY, 0.98, 1.02);
            Assert.Equal(1.0 + 0.25 * f.Pair, f.Dx2);
            Assert.Equal((10 + f.Pair, 20 + f.Pair), (f.A, f.B));
        }

        // The same rows as a run's extract/pairs through the run's fit stage: the same fits table.
        var layout = new RunLayout(scratch.File("run"));
        TableFile.Write(rows, layout.Pairs, csv: false);
        // `repalign fit` fits the initial state by default (a user's first sample is noisy too); the stage does so when told.
        var spec = new ExperimentSpec { Data = new DataSpec { Kind = DataKind.Mnist }, Fit = new FitSpec { Initial = InitialState.Fitted } };
        new DatasetFitStage().Run(new StageContext { Spec = spec, Layout = layout, Observer = SilentObserver.Instance });
        var staged = TableFile.Read<FitRow>(layout.Fits).ToArray();
        Assert.All(fits, f => Assert.Equal("fitted", f.Initial));
        Assert.Equal(staged.Select(f => (f.Pair, f.Layer, f.EtaH, f.EtaY, f.FitLoss, f.R2H)), fits.Select(f => (f.Pair, f.Layer, f.EtaH, f.EtaY, f.FitLoss, f.R2H)));
    }

    [Fact]
    public void ParquetTableGivesTheSameFitsAsTheCsv()
    {
        using var scratch = new ScratchFolder();
        var rows = Rows();
        File.WriteAllText(scratch.File("long.csv"), Csv(rows));
        TableFile.Write(rows, scratch.File("pairs.parquet"), csv: false); // the schema of extract/pairs (int and double columns)
        Assert.Equal(0, Run("fit", "--trajectory", scratch.File("long.csv"), "--out", scratch.File("a")).Code);
        var (code, err) = Run("fit", "--trajectory", scratch.File("pairs.parquet"), "--out", scratch.File("b"));
        Assert.True(code == 0, err);
        var a = TableFile.Read<FitRow>(scratch.File("a/fit/fits.parquet")).Select(f => (f.Pair, f.Layer, f.EtaH, f.EtaY, f.Dx2, f.Dy2));
        var b = TableFile.Read<FitRow>(scratch.File("b/fit/fits.parquet")).Select(f => (f.Pair, f.Layer, f.EtaH, f.EtaY, f.Dx2, f.Dy2));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("pair,epoch,h2,y2,w,dx2,dy2\n0,0,1,1,1,1,0.5\n0,0,1,1,1,1,0.5\n", ":line 3: column 'epoch': found 0 twice for pair 0, layer 0")]
    [InlineData("pair,epoch,h2,y2,w,dx2,dy2\n0,0,1,1,1,1,0.5\n0,1,1,1,1,2,0.5\n", ":line 3: columns 'dx2'/'dy2': found 2/0.5 for pair 0, layer 0, expected the same as its first row (1/0.5)")]
    [InlineData("pair,epoch,h2,y2,w,dx2,dy2\n0.5,0,1,1,1,1,0.5\n", ":line 2: column 'pair': found 0.5, expected an integer")]
    [InlineData("pair,epoch,h2,y2,w\n0,0,1,1,1\n", ": no column 'dx2' and no --dx2 given")]
    [InlineData("pair,epoch,h2,y2,w,dx2,dy2\n0,0,1,1,1,1\n", ":2: found 6 cells, expected 7")]
    [InlineData("layer,epoch,h2,y2,w,dx2,dy2\n0,0,1,x,1,1,0.5\n", ":2: column 'y2': found 'x', expected a number")]
    [InlineData("layer,epoch,h2,y2,dx2,dy2\n0,0,1,1,1,0.5\n", ":1: missing column 'w'")]
    [InlineData("layer,epoch,h2,y2,w,dx2,dy2\n0,0,1,1,1,0,0.5\n", ":line 2: column 'dx2': found 0 for pair 0, layer 0, expected a finite number > 0")]
    public void BadLongTablesExitWith2NamingFileLineAndColumn(string content, string expected)
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("bad.csv");
        File.WriteAllText(path, content);
        var (code, err) = Run("fit", "--trajectory", path, "--out", scratch.Path);
        Assert.Equal(2, code);
        Assert.Contains(path + expected, err);
        Assert.False(File.Exists(Path.Combine(scratch.Path, "fit", "fits.csv")));
    }
}
