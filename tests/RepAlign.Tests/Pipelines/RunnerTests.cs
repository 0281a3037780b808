using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Pipelines;

/// <summary>Pipeline slices end to end on a tiny network: outputs, manifest, cache skips, --from/--to, divergence.</summary>
public class RunnerTests
{
    private static readonly string[] Tiny =
    [
        "model.depth=3", "model.width=16", "train.epochs=150", "train.lr=0.05", "track.layers=[1]",
        "checkpoints.count=6", "fit.grid_points=40",
    ];

    private static IReadOnlyList<string> Stages() => Faults.TinyRuns.StageNames("two-points.toml");

    private static RunResult Run(string outDir, Faults.StageRecorder recorder, string? from = null, string? to = null, params string[] extra) =>
        Faults.TinyRuns.InProcess("two-points.toml", [.. Tiny, .. extra], outDir, recorder, from, to);

    [Fact]
    public void WholePipelineWritesTheRunStoreThenSkipsWhatIsUpToDate()
    {
        using var scratch = new ScratchFolder();
        var first = new Faults.StageRecorder();
        var result = Run(scratch.Path, first);
        Assert.True(result.Succeeded, result.Message);
        var layout = result.Layout;
        foreach (var f in new[] { layout.Manifest, layout.Metrics, layout.CheckpointIndex, layout.Fits, layout.Report,
                     Path.ChangeExtension(layout.Metrics, ".csv"), Path.ChangeExtension(layout.Fits, ".csv") })
            Assert.True(File.Exists(f), f);

        var manifest = RunManifest.Read(layout.Manifest);
        Assert.All(manifest.Stages.Values, s => Assert.Equal(StageState.Done, s.State));
        Assert.Equal(16, manifest.Spec.Model.Width);
        Assert.Contains("torchsharp", manifest.Versions.Keys);
        Assert.Equal(6, Directory.GetFiles(layout.Checkpoints, "epoch-*.onnx").Length);

        var metrics = TableFile.Read<MetricRow>(layout.Metrics);
        Assert.Equal(151, metrics.Count); // epochs 0..150 at one layer
        var fits = TableFile.Read<FitRow>(layout.Fits);
        Assert.Single(fits);
        Assert.True(double.IsFinite(fits[0].EtaH) && fits[0].EtaH > 0);
        var csvHeader = File.ReadLines(Path.ChangeExtension(layout.Fits, ".csv")).First().Split(',');
        foreach (var c in new[] { "eta_h", "eta_y", "eta_ybar", "fit_loss", "r2_h", "r2_y", "r2_w", "C", "h_inf_pred", "h_inf_obs", "regime", "fit_seconds", "status" })
            Assert.Contains(c, csvHeader);
        var html = File.ReadAllText(layout.Report);
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain("<script src=", html); // plotly.js is embedded: the report opens offline
        Assert.True(html.Length > 1_000_000, "plotly.js inlined");

        var second = new Faults.StageRecorder();
        Assert.True(Run(scratch.Path, second).Succeeded);
        Assert.All(Stages(), s => Assert.Contains($"skip {s}", second.Events));

        var fromFit = new Faults.StageRecorder();
        Assert.True(Run(scratch.Path, fromFit, from: "fit").Succeeded);
        Assert.Contains("skip train", fromFit.Events);
        Assert.Contains("done fit", fromFit.Events);
        Assert.Contains("done report", fromFit.Events);

        var changedFit = new Faults.StageRecorder();
        Assert.True(Run(scratch.Path, changedFit, null, null, "fit.weighting=normalized").Succeeded);
        Assert.Contains("skip train", changedFit.Events);
        Assert.Contains("done fit", changedFit.Events);
    }

    [Fact]
    public void ToStopsAfterTheNamedStage()
    {
        using var scratch = new ScratchFolder();
        var recorder = new Faults.StageRecorder();
        var result = Run(scratch.Path, recorder, to: "train");
        Assert.True(result.Succeeded);
        Assert.Contains("done train", recorder.Events);
        Assert.Contains("skip fit", recorder.Events);
        Assert.False(File.Exists(result.Layout.Fits));
    }

    [Fact]
    public void DivergingTrainingFailsTheRunNamesTheEpochAndIsNeverFitted()
    {
        using var scratch = new ScratchFolder();
        var recorder = new Faults.StageRecorder();
        var result = Run(scratch.Path, recorder, null, null, "train.lr=1e4", "model.gain=3");
        Assert.False(result.Succeeded);
        Assert.Equal("train", result.FailedStage);
        Assert.Contains("epoch", result.Message);
        Assert.Contains("lr", result.Message);
        var manifest = RunManifest.Read(result.Layout.Manifest);
        Assert.Equal(StageState.Failed, manifest.Stages["train"].State);
        Assert.False(manifest.Stages.ContainsKey("fit"));
        Assert.False(File.Exists(result.Layout.Fits));
    }

    [Fact]
    public void UnknownStageInFromIsBadInput()
    {
        using var scratch = new ScratchFolder();
        var e = Assert.Throws<BadInputException>(() => Run(scratch.Path, new Faults.StageRecorder(), from: "fitt"));
        Assert.Contains("did you mean 'fit'", e.Message);
    }
}
