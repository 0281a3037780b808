using System.Globalization;
using System.Text;

namespace RepAlign.Tests.Cli;

/// <summary>`repalign fit` on one trajectory that cannot be fitted: exit 2 with the fit's own message, nothing written.</summary>
public class FitDegenerateTests
{
    private static string Trajectory(ScratchFolder scratch, Func<int, double> h, int epochs = 6)
    {
        var sb = new StringBuilder("epoch,h2,y2,w\n");
        for (var e = 0; e < epochs; e++)
            sb.Append(CultureInfo.InvariantCulture, $"{e},{h(e):R},{0.5 + 0.1 * e},{0.2 + 0.05 * e}\n");
        var path = scratch.File("trajectory.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Theory]
    [InlineData("nan", "expected finite values")]
    [InlineData("negative", "expected h > 0")]
    [InlineData("overflow", "overflow")]
    [InlineData("short", "expected at least 3")]
    public void DegenerateTrajectoriesExitWith2AndWriteNothing(string kind, string expected)
    {
        using var scratch = new ScratchFolder();
        var path = kind switch
        {
            "nan" => Trajectory(scratch, e => e == 3 ? double.NaN : 1 + e),
            "negative" => Trajectory(scratch, e => 1 - e),
            "overflow" => Trajectory(scratch, e => e == 2 ? 1e308 : 1 + e),
            _ => Trajectory(scratch, e => 1 + e, epochs: 2),
        };
        var outDir = scratch.File("out");
        var (code, err) = CliRunner.Run("fit", "--trajectory", path, "--dx2", "1", "--dy2", "0.5", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains(path, err);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(outDir));
    }
}
