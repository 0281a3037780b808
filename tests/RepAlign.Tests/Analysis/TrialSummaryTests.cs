using System.Globalization;
using Microsoft.FSharp.Collections;
using RepAlign.Analysis;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using Xunit;

namespace RepAlign.Tests.Analysis;

/// <summary>trials.csv: a sweep's trials folded per setting, layer and pair (TrialSummary).</summary>
public class TrialSummaryTests
{
    [Fact]
    public void A_two_point_sweep_with_two_trials_writes_the_mean_and_sd_of_its_trials_fits()
    {
        using var scratch = new ScratchFolder();
        var file = scratch.File("sweep.toml");
        File.WriteAllText(file, TinySweep.Toml("trials", epochs: 40, seed: 5, trials: 2));
        var result = PipelineRunner.Run(new RunRequest { Pipeline = file, Out = scratch.File("out") }, RepAlign.Cli.Commands.stages, SilentObserver.Instance);
        Assert.True(result.Succeeded, result.Message);

        var root = result.Layout.Root;
        var lines = File.ReadAllLines(Path.Combine(root, "trials.csv"));
        var header = lines[0].Split(',');
        Assert.Equal(["variant", "settings", "layer", "pair", "trials", "eta_h_mean", "eta_h_sd", "eta_y_mean", "eta_y_sd",
            "r2_h_mean", "r2_h_sd", "r2_y_mean", "r2_y_sd", "r2_w_mean", "r2_w_sd"], header);
        Assert.True(File.Exists(Path.Combine(root, "trials.parquet")));
        var rows = lines[1..].Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second)).ToList();
        Assert.Equal(2 * 2, rows.Count); // 2 variants × 2 values of dx2; one tracked layer, one pair
        var sweep = TableFile.Read<TrialSummary.PointSetTrials>(Path.Combine(root, "trials.parquet"));
        Assert.Equal(rows.Count, sweep.Count);
        foreach (var row in rows)
        {
            Assert.Equal("2", row["trials"]);
            var prefix = (row["variant"] + "_" + row["settings"]).Replace(';', '_');
            var fits = Directory.GetDirectories(root)
                .Where(d => Path.GetFileName(d).StartsWith(prefix + "_t", StringComparison.Ordinal))
                .SelectMany(d => TableFile.Read<FitRow>(Path.Combine(d, "fit", "fits.parquet")))
                .Where(f => f.Layer.ToString(CultureInfo.InvariantCulture) == row["layer"] && f.Pair.ToString(CultureInfo.InvariantCulture) == row["pair"])
                .ToList();
            Assert.Equal(2, fits.Count);
            Assert.Equal(fits.Average(f => f.EtaH), Number(row["eta_h_mean"]), 12);
            Assert.Equal(fits.Average(f => f.EtaY), Number(row["eta_y_mean"]), 12);
            Assert.Equal(fits.Average(f => f.R2H), Number(row["r2_h_mean"]), 12);
            Assert.Equal(Math.Abs(fits[0].EtaH - fits[1].EtaH) / Math.Sqrt(2), Number(row["eta_h_sd"]), 12);
        }
    }

    [Fact]
    public void A_sweep_with_one_trial_writes_no_trial_summary()
    {
        using var scratch = new ScratchFolder();
        var file = scratch.File("sweep.toml");
        File.WriteAllText(file, TinySweep.Toml("one-trial", epochs: 10, seed: 5));
        var result = PipelineRunner.Run(new RunRequest { Pipeline = file, Out = scratch.File("out") }, RepAlign.Cli.Commands.stages, SilentObserver.Instance);
        Assert.True(result.Succeeded, result.Message);
        Assert.False(File.Exists(Path.Combine(result.Layout.Root, "trials.csv")));
        Assert.False(File.Exists(Path.Combine(result.Layout.Root, "trials.parquet")));
    }

    [Fact]
    public void Data_set_trials_fold_the_described_well_fraction_and_median_rates_per_layer()
    {
        static FitRow Fit(int layer, double etaH, double r2) =>
            new() { Layer = layer, EtaH = etaH, EtaY = 2 * etaH, R2H = r2, R2Y = r2, Status = "converged" };
        FitRow[] trial0 = [Fit(0, 1, 0.95), Fit(0, 3, 0.5), Fit(0, 5, 0.99), Fit(1, 7, 0.99)];
        FitRow[] trial1 = [Fit(0, 2, 0.95), Fit(0, 4, 0.95), Fit(0, 6, 0.95), Fit(1, 9, 0.1)];
        var rows = TrialSummary.datasetRows("v", "a=1", ListModule.OfArray([trial0, trial1])).ToList();
        Assert.Equal([0, 1], rows.Select(r => r.Layer));
        var layer0 = rows[0];
        Assert.Equal(2, layer0.Trials);
        Assert.Equal((2.0 / 3 + 1.0) / 2, layer0.DescribedWellMean, 12); // FitFrames.describedWell: R² of h and y ≥ 0.9
        Assert.Equal(3.5, layer0.EtaHMedianMean, 12); // medians 3 and 4
        Assert.Equal(Math.Sqrt(0.5), layer0.EtaHMedianSd, 12);
        Assert.Equal(7.0, layer0.EtaYMedianMean, 12);
        Assert.Equal((0.5, Math.Sqrt(0.5)), (rows[1].DescribedWellMean, rows[1].DescribedWellSd));
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
