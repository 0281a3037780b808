using RepAlign.Core;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Tests.Pipelines;

/// <summary>Variants × sweep grid × trials expand into runs that land in one table.</summary>
public class SweepTests
{
    private static readonly string Toml = TinySweep.Toml("tiny-sweep", epochs: 80, seed: 7, trials: 2);

    [Fact]
    public void ExpandsVariantsGridAndTrialsWithSeedsAndLabels()
    {
        var doc = PipelineFile.ParseDocument(Toml, "sweep.toml", []);
        var points = doc.Expand("sweep.toml");
        Assert.Equal(2 * 2 * 2, points.Count);
        Assert.Equal(points.Count, points.Select(p => p.Label).Distinct().Count());
        Assert.Equal(Enumerable.Range(7, 8), points.Select(p => p.Spec.Train.Seed)); // every run its own seed: train.seed + k
        Assert.Equal(4, points.Count(p => p.Spec.Model.Activation == Core.Specs.Activation.Tanh));
        Assert.Equal(4, points.Count(p => p.Spec.Data.Dx2 == 0.5));
    }

    [Fact]
    public void BadVariantNamesTheLine()
    {
        var e = Assert.Throws<BadInputException>(() => PipelineFile.ParseDocument(Toml + "\n[[variants]]\nname = \"x\"\n\"model.gian\" = 2\n", "sweep.toml", []));
        Assert.Contains("sweep.toml:", e.Message);
        Assert.Contains("did you mean 'model.gain'", e.Message);
        var axis = Assert.Throws<BadInputException>(() => PipelineFile.ParseDocument("[sweep]\n\"model.width\" = 3\n", "s.toml", []));
        Assert.Contains("s.toml:2", axis.Message);
        Assert.Contains("expected a non-empty list", axis.Message);
    }

    [Fact]
    public void RunsEveryPointAndJoinsTheirFitsIntoOneTable()
    {
        using var scratch = new ScratchFolder();
        var file = scratch.File("sweep.toml");
        File.WriteAllText(file, Toml);
        var result = PipelineRunner.Run(new RunRequest { Pipeline = file, Out = scratch.File("out") }, RepAlign.Cli.Commands.stages, SilentObserver.Instance);
        Assert.True(result.Succeeded, result.Message);
        var csv = File.ReadAllLines(Path.Combine(result.Layout.Root, "sweep.csv"));
        Assert.Equal(1 + 8, csv.Length); // header + one fit per run (one tracked layer, one pair)
        var header = csv[0].Split(',');
        foreach (var c in new[] { "run", "variant", "trial", "seed", "settings", "activation", "gain", "lr", "eta_h", "eta_y", "r2_h", "status" })
            Assert.Contains(c, header);
        Assert.Equal(8, Directory.GetFiles(result.Layout.Root, "run.json", SearchOption.AllDirectories).Length);
        Assert.True(File.Exists(Path.Combine(result.Layout.Root, "sweep.parquet")));
    }
}
