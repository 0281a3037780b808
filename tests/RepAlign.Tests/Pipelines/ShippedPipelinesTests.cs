using RepAlign.Pipelines.Spec;

namespace RepAlign.Tests.Pipelines;

/// <summary>Every pipeline in pipelines/ parses, validates and expands into the runs it promises.</summary>
public class ShippedPipelinesTests
{
    public static TheoryData<string, int> Pipelines => new()
    {
        { "two-points.toml", 1 },
        { "mnist-pairs.toml", 1 },
        { "depth.toml", 1 },
        { "architectures.toml", 14 },
        { "init-scale.toml", 7 },
        { "alternative-dynamics.toml", 5 },
        { "final-distance.toml", 25 },
        { "xor.toml", 4 },
        { "mnist-structure.toml", 10 },
        { "context-blobs.toml", 3 },
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public void ParsesAndExpands(string file, int runs)
    {
        var path = TestPaths.Repo("pipelines", file);
        var document = PipelineFile.LoadDocument(path);
        var points = document.IsSweep ? document.Expand(path) : [new RunPoint("", "", 0, new Dictionary<string, string>(), PipelineFile.Validate(document.Base, path))];
        Assert.Equal(runs, points.Count);
    }

    [Fact]
    public void EveryShippedPipelineIsListedHere()
    {
        var shipped = Directory.GetFiles(TestPaths.Repo("pipelines"), "*.toml").Select(Path.GetFileName).Order();
        Assert.Equal(Pipelines.Select(row => (string)row[0]).Order(), shipped);
    }
}
