using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Spec;
using Xunit;

namespace RepAlign.Tests.Pipelines;

/// <summary>Every run of a sweep has its own seed unless shared is asked for; train.loss, train.shuffle and model.init keys.</summary>
public class SeedsAndOptionsTests
{
    private static readonly string Grid = TinySweep.Toml("seeds", epochs: 1, seed: 10, trials: 3); // 2 variants × 2 values of dx2 × 3 trials

    [Fact]
    public void Every_variant_grid_point_and_trial_gets_its_own_seed()
    {
        var points = PipelineFile.ParseDocument(Grid, "seeds.toml", []).Expand("seeds.toml");
        Assert.Equal(12, points.Count);
        Assert.Equal(Enumerable.Range(10, 12), points.Select(p => p.Spec.Train.Seed)); // train.seed + k in expansion order
    }

    [Fact]
    public void Shared_seeds_start_every_setting_from_the_same_weights()
    {
        var points = PipelineFile.ParseDocument(Grid + "\n", "seeds.toml", ["experiment.shared_seed=true"]).Expand("seeds.toml");
        Assert.All(points, p => Assert.Equal(10 + p.Trial, p.Spec.Train.Seed));
    }

    [Fact]
    public void A_single_run_keeps_its_seed_and_shipped_sweeps_share_none()
    {
        Assert.Equal(5, PipelineFile.Parse("[train]\nseed = 5\n", "one.toml", []).Train.Seed);
        foreach (var file in new[] { "architectures.toml", "init-scale.toml", "final-distance.toml", "xor.toml", "mnist-structure.toml" })
        {
            var path = TestPaths.Repo("pipelines", file);
            var seeds = PipelineFile.LoadDocument(path).Expand(path).Select(p => p.Spec.Train.Seed).ToArray();
            Assert.Equal(seeds.Length, seeds.Distinct().Count());
        }
        var alt = TestPaths.Repo("pipelines", "alternative-dynamics.toml");
        Assert.Single(PipelineFile.LoadDocument(alt).Expand(alt).Select(p => p.Spec.Train.Seed).Distinct());
    }

    [Fact]
    public void A_seed_with_no_room_for_its_derived_seeds_is_bad_input()
    {
        var e = Assert.Throws<BadInputException>(() => PipelineFile.ParseDocument(Grid, "seeds.toml", [$"train.seed={int.MaxValue}"]).Expand("seeds.toml"));
        Assert.Contains("train.seed", e.Message);
    }

    [Fact]
    public void Loss_shuffle_and_init_keys_bind_and_check()
    {
        var spec = PipelineFile.Parse("", "k.toml", ["train.loss=mse", "fit.fit_loss=false", "train.shuffle=false", "model.init=w.onnx"]);
        Assert.Equal(LossKind.Mse, spec.Train.Loss);
        Assert.False(spec.Train.Shuffle);
        Assert.Equal("w.onnx", spec.Model.Init);
        Assert.Equal(LossKind.HalfMse, PipelineFile.Parse("", "k.toml", []).Train.Loss);
        var bad = Assert.Throws<BadInputException>(() => PipelineFile.Parse("[train]\nloss = \"l2\"\n", "k.toml", []));
        Assert.Contains("k.toml:2", bad.Message);
        Assert.Contains("\"half_mse\", \"mse\"", bad.Message);
        var fitLoss = Assert.Throws<BadInputException>(() => PipelineFile.Parse("", "k.toml", ["train.loss=mse"]));
        Assert.Contains("fit.fit_loss", fitLoss.Message);
    }

    [Fact]
    public void Xor_runs_as_the_notebook_does()
    {
        var path = TestPaths.Repo("pipelines", "xor.toml");
        var points = PipelineFile.LoadDocument(path).Expand(path);
        Assert.All(points, p =>
        {
            Assert.Equal(Activation.Relu, p.Spec.Model.Activation);
            Assert.Equal(LossKind.Mse, p.Spec.Train.Loss);
            Assert.Equal(0, p.Spec.Train.Batch);
        });
    }

    [Fact]
    public void Two_point_settings_run_at_half_the_table_lr_for_6000_epochs_and_depth_does_not()
    {
        var arch = TestPaths.Repo("pipelines", "architectures.toml");
        var runs = PipelineFile.LoadDocument(arch).Expand(arch).ToDictionary(p => p.Variant);
        Assert.Equal(0.005, runs["default"].Spec.Train.Lr);
        Assert.Equal(0.00045, runs["elu"].Spec.Train.Lr);
        Assert.All(runs.Values, p => Assert.Equal(6000, p.Spec.Train.Epochs));
        Assert.Equal(OptimizerKind.Sgd, runs["adam"].Spec.Train.Optimizer); // as the published code runs that row
        Assert.Equal(5e-7, runs["adam"].Spec.Train.Lr);
        Assert.Equal(OptimizerKind.Adam, runs["adam_optimizer"].Spec.Train.Optimizer);
        var depth = PipelineFile.Load(TestPaths.Repo("pipelines", "depth.toml"));
        Assert.Equal((0.01, 3000), (depth.Train.Lr, depth.Train.Epochs));
    }
}
