using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Spec;
using RepAlign.Reproduction;
using Xunit;

namespace RepAlign.Tests.Reproduction;

public class ProfileTests
{
    [Fact]
    public void Smoke_shrinks_deep_networks_and_keeps_tracked_layers_inside()
    {
        var spec = PipelineFile.Validate(new ExperimentSpec
        {
            Model = new ModelSpec { Width = 500, Depth = 20 },
            Train = new TrainSpec { Epochs = 40000 },
            Track = new TrackSpec { Selection = TrackSelection.List, Layers = [10, 18] },
        }, "test");
        var small = Profile.shrink(spec);
        Assert.Equal((32, 4, 1000), (small.Model.Width, small.Model.Depth, small.Train.Epochs));
        Assert.Equal([3], small.Track.Layers);
        Assert.Equal(spec.Model.Gain, small.Model.Gain);
        Assert.Equal(spec.Train.Lr, small.Train.Lr);
        PipelineFile.Validate(small, "test"); // still a valid run
    }

    [Fact]
    public void Smoke_keeps_a_cnn_wide_enough_for_its_convolutions()
    {
        var path = TestPaths.Repo("pipelines", "architectures.toml");
        var cnn = PipelineFile.LoadDocument(path).Expand(path).Single(p => p.Variant == "cnn").Spec;
        var small = Profile.shrink(cnn);
        Assert.Equal((64, 3), (small.Model.Width, small.Model.Depth));
        PipelineFile.Validate(small, path);
    }

    [Fact]
    public void Smoke_leaves_small_settings_alone_and_trims_mnist_work()
    {
        var tiny = new ExperimentSpec { Model = new ModelSpec { Width = 8, Depth = 2 }, Train = new TrainSpec { Epochs = 50 }, Fit = new FitSpec { GridPoints = 30 } };
        Assert.Equal(tiny, Profile.shrink(tiny));
        var mnist = PipelineFile.Load(TestPaths.Repo("pipelines", "mnist-pairs.toml"));
        var small = Profile.shrink(mnist);
        Assert.Equal((2, "per-class-pair:2", false), (small.Train.Epochs, small.Extract.Pairs, small.Extract.LinearProbe));
        var trials = PipelineFile.LoadDocument(TestPaths.Repo("pipelines", "mnist-structure.toml")).Base;
        Assert.Equal(2, Profile.shrink(trials).Trials);
        Assert.Equal(Profile.shrink(trials), Profile.shrink(Profile.shrink(trials))); // the runner applies it twice
    }

    [Theory]
    [InlineData("paper")]
    [InlineData("smoke")]
    public void Profiles_parse(string name) => Assert.Equal(name, Profile.name(Profile.parse(name)));

    [Fact]
    public void An_unknown_profile_is_bad_input() =>
        Assert.Contains("expected smoke or paper", Assert.Throws<BadInputException>(() => Profile.parse("huge")).Message);

    [Fact]
    public void Verdicts_follow_the_check_and_nan_is_not_measured()
    {
        Assert.Equal("agrees", Evidence.judged("e", "q", 1.0, "≈ 1", Check(true), "").Verdict);
        Assert.Equal("differs", Evidence.judged("e", "q", 1.0, "≈ 1", Check(false), "").Verdict);
        Assert.Equal("not measured", Evidence.judged("e", "q", double.NaN, "≈ 1", Check(true), "").Verdict);
        Assert.Equal("no reference", Evidence.reported("e", "q", 2.0, "").Verdict);
    }

    private static Microsoft.FSharp.Core.FSharpFunc<double, bool> Check(bool answer) =>
        Microsoft.FSharp.Core.FuncConvert.FromFunc<double, bool>(_ => answer);
}
