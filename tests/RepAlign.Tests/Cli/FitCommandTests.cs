using System.Globalization;
using System.Text;
using RepAlign.Theory;

namespace RepAlign.Tests.Cli;

/// <summary>`repalign fit` on a trajectory from foreign training code, and its bad inputs.</summary>
public class FitCommandTests
{
    private static (int Code, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string FixtureCsv(ScratchFolder scratch)
    {
        var fixture = TwoPointFixture.Load(TestPaths.TestData("two_point_default.json"));
        var t = fixture.Trajectory;
        var sb = new StringBuilder("epoch,h2,y2,w,loss,ybar0\n");
        for (var i = 0; i < t.Count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{t.Epoch[i]},{t.H[i]:R},{t.Y[i]:R},{t.W[i]:R},{t.Loss![i]:R},{t.Ybar0![i]:R}\n");
        var path = scratch.File("trajectory.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Fact]
    public void FitsAForeignTrajectoryAndWritesFitsCsvWithStatus()
    {
        using var scratch = new ScratchFolder();
        var csv = FixtureCsv(scratch);
        // The reference fitted from the measured first sample (the paper's procedure): so does --initial measured.
        var (code, err) = Run("fit", "--trajectory", csv, "--dx2", "1", "--dy2", "0.5", "--initial", "measured", "--out", scratch.Path);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(scratch.Path, "fit", "fits.csv"));
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        string Cell(string name) => row[Array.IndexOf(header, name)];
        Assert.Equal("converged", Cell("status"));
        var fixture = TwoPointFixture.Load(TestPaths.TestData("two_point_default.json"));
        var s = double.Parse(Cell("fit_loss"), CultureInfo.InvariantCulture);
        Assert.True(s <= 1.02 * fixture.Reference.FitLoss, $"S = {s}, reference {fixture.Reference.FitLoss}");
        var etaH = double.Parse(Cell("eta_h"), CultureInfo.InvariantCulture);
        Assert.InRange(etaH / fixture.Reference.EtaH, 0.98, 1.02);
        Assert.Equal("measured", Cell("initial"));
        Assert.InRange(fixture.Reference.EtaH, double.Parse(Cell("eta_h_lo"), CultureInfo.InvariantCulture), double.Parse(Cell("eta_h_hi"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheInitialStateIsFittedByDefaultAndTheIntervalsAreWritten()
    {
        using var scratch = new ScratchFolder();
        var (code, err) = Run("fit", "--trajectory", FixtureCsv(scratch), "--dx2", "1", "--dy2", "0.5", "--out", scratch.Path);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(scratch.Path, "fit", "fits.csv"));
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        double Number(string name) => double.Parse(row[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
        Assert.Equal("fitted", row[Array.IndexOf(header, "initial")]);
        Assert.True(Number("eta_h_lo") < Number("eta_h") && Number("eta_h") < Number("eta_h_hi"));
        Assert.True(Number("eta_y_lo") < Number("eta_y") && Number("eta_y") < Number("eta_y_hi"));

        var (bad, message) = Run("fit", "--trajectory", FixtureCsv(scratch), "--dx2", "1", "--dy2", "0.5", "--initial", "guessed", "--out", scratch.File("b"));
        Assert.Equal(2, bad);
        Assert.Contains("fit.initial", message);
    }

    [Theory]
    [InlineData("epoch,h2,y2\n0,1,2\n", ":1: missing column 'w'")]
    [InlineData("epoch,h2,y2,w\n0,1,x,3\n", ":2: column 'y2': found 'x', expected a number")]
    [InlineData("epoch,h2,y2,w\n0,1,1,1\n2,1,1,1\n1,1,1,1\n", ":4: column 'epoch': found 1 after 2")]
    [InlineData("epoch,h2,y2,w\n0,1,1,1\n0,1,1,1\n", ":3: column 'epoch': found 0 after 0")]
    [InlineData("", ":1: empty file")]
    [InlineData("epoch,h2,y2,w\n", ": no data rows")]
    [InlineData("epoch,h2,y2,w\n0,1,1\n", ":2: found 3 cells, expected 4")]
    public void BadTrajectoriesExitWith2NamingFileLineAndColumn(string content, string expected)
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("bad.csv");
        File.WriteAllText(path, content);
        var (code, err) = Run("fit", "--trajectory", path, "--dx2", "1", "--dy2", "0.5", "--out", scratch.Path);
        Assert.Equal(2, code);
        Assert.Contains(path + expected, err);
        Assert.False(File.Exists(Path.Combine(scratch.Path, "fit", "fits.csv")));
    }

    [Fact]
    public void NonPositiveDx2IsBadInput()
    {
        using var scratch = new ScratchFolder();
        var (code, err) = Run("fit", "--trajectory", FixtureCsv(scratch), "--dx2", "0", "--dy2", "0.5", "--out", scratch.Path);
        Assert.Equal(2, code);
        Assert.Contains("--dx2", err);
    }
}
