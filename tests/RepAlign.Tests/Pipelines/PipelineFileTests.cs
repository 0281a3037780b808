using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Tests.Pipelines;

public class PipelineFileTests
{
    private static string ErrorOf(string toml, params string[] overrides) =>
        Assert.Throws<BadInputException>(() => PipelineFile.Parse(toml, "p.toml", overrides)).Message;

    [Fact]
    public void ShippedTwoPointsPipelineHoldsThePapersDefaultSetting()
    {
        var spec = PipelineFile.Load(TestPaths.Repo("pipelines", "two-points.toml"));
        Assert.Equal(500, spec.Model.Width);
        Assert.Equal(20, spec.Model.Depth);
        Assert.Equal(Activation.LeakyRelu, spec.Model.Activation);
        Assert.Equal(1.0, spec.Model.Gain);
        Assert.Equal(0.005, spec.Train.Lr);
        Assert.Equal(6000, spec.Train.Epochs);
        Assert.Equal([10], TrackedLayers.Of(spec));
        Assert.Equal(CheckpointScheduleKind.Log, spec.Checkpoints.Schedule);
    }

    [Fact]
    public void OverridesApplyAfterTheFileAndParseAsToml()
    {
        var spec = PipelineFile.Parse("[model]\nwidth = 500\n", "p.toml",
            ["model.width=64", "model.activation=tanh", "train.lr=1e-3", "track.layers=all", "model.bias=false"]);
        Assert.Equal(64, spec.Model.Width);
        Assert.Equal(Activation.Tanh, spec.Model.Activation);
        Assert.Equal(1e-3, spec.Train.Lr);
        Assert.Equal(TrackSelection.All, spec.Track.Selection);
        Assert.False(spec.Model.Bias);
        Assert.Equal(Enumerable.Range(0, 20), TrackedLayers.Of(spec with { Model = spec.Model with { Depth = 20 } }));
    }

    [Theory]
    [InlineData("[model]\nwidht = 3\n", "p.toml:2", "did you mean 'model.width'")]
    [InlineData("[modle]\nwidth = 3\n", "p.toml:1", "did you mean 'model'")]
    [InlineData("[model]\nwidth = -3\n", "p.toml:2", "found -3, expected an integer ≥ 1")]
    [InlineData("[model]\nwidth = \"wide\"\n", "p.toml:2", "model.width: found \"wide\"")]
    [InlineData("[train]\nlr = 0\n", "p.toml:2", "train.lr: found 0, expected a number > 0")]
    [InlineData("[model]\nactivation = \"relux\"\n", "p.toml:2", "did you mean 'relu'")]
    [InlineData("[track]\nlayers = [25]\n", "track.layers", "expected indices below 20, the number of hidden layers of this mlp")]
    [InlineData("[model\nwidth = 3\n", "p.toml:1", "malformed TOML")]
    public void BadFilesNameLineKeyAndExpectation(string toml, string where, string what)
    {
        var message = ErrorOf(toml);
        Assert.Contains(where, message);
        Assert.Contains(what, message);
    }

    [Theory]
    [InlineData("model.widht=3", "did you mean 'model.width'")]
    [InlineData("train.epochs=1.5", "expected an integer")]
    [InlineData("nonsense", "expected key=value")]
    public void BadOverridesNameTheOverride(string o, string what)
    {
        var message = ErrorOf("", o);
        Assert.Contains(what, message);
    }

    [Fact]
    public void EveryKeyHasDocumentationAndASection()
    {
        foreach (var key in PipelineKeys.All.Values)
        {
            Assert.False(string.IsNullOrWhiteSpace(key.Doc), key.Name);
            Assert.Contains(key.Section, PipelineKeys.Sections);
        }
        foreach (var required in new[] { "model.width", "model.depth", "model.activation", "model.gain", "train.epochs", "train.lr", "train.seed", "track.layers" })
            Assert.Contains(required, PipelineKeys.All.Keys);
    }

    [Fact]
    public void LogScheduleHasCountDistinctEpochsIncludingFirstAndLast()
    {
        var epochs = new CheckpointSpec { Schedule = CheckpointScheduleKind.Log, Count = 30 }.Epochs(6000);
        Assert.Equal(0, epochs[0]);
        Assert.Equal(6000, epochs[^1]);
        Assert.Equal(30, epochs.Count);
        Assert.Equal(epochs.Distinct().Order(), epochs);
        var every = new CheckpointSpec { Schedule = CheckpointScheduleKind.Every, Every = 7 }.Epochs(20);
        Assert.Equal([0, 7, 14, 20], every);
    }
}

public class ArchitectureValidationTests
{
    [Fact]
    public void CnnTooNarrowForItsConvolutionsIsRejectedBeforeTraining()
    {
        var e = Assert.Throws<BadInputException>(() =>
            PipelineFile.Parse("[model]\nkind = \"cnn\"\nwidth = 50\ndepth = 10\n", "p.toml", []));
        Assert.Contains("p.toml", e.Message);
        Assert.Contains("model.width", e.Message);
    }
}
