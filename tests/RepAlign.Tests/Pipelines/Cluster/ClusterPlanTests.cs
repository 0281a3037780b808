using RepAlign.Core;
using RepAlign.Pipelines.Cluster;

namespace RepAlign.Tests.Pipelines.Cluster;

/// <summary>The pieces of --executor slurm that need no Slurm: shard ranges, option words, array ranges, task names, scripts.</summary>
public class ClusterPlanTests
{
    [Theory]
    [InlineData(7, 2)]
    [InlineData(201, 8)]
    [InlineData(3, 5)]
    [InlineData(0, 3)]
    public void ShardRangesCoverEveryItemOnceInOrder(int count, int shards)
    {
        var ranges = Enumerable.Range(0, shards).Select(k => ShardPlan.Range(count, k, shards)).ToArray();
        Assert.Equal(Enumerable.Range(0, count), ranges.SelectMany(r => Enumerable.Range(r.Start, r.End - r.Start)));
        Assert.True(ranges.Max(r => r.End - r.Start) - ranges.Min(r => r.End - r.Start) <= 1);
    }

    [Fact]
    public void SlurmOptionsSplitIntoWordsWithQuotes()
    {
        Assert.Equal(["--partition=cpu", "--time=02:00:00", "--comment=two words", "-A", "lab"],
            SlurmSettings.Split(["--partition=cpu  --time=02:00:00", "--comment='two words' -A lab"]));
        var e = Assert.Throws<BadInputException>(() => SlurmSettings.Split(["--comment=\"open"]));
        Assert.Contains("--slurm-opt", e.Message);
    }

    [Fact]
    public void ArrayRangesAreWrittenAsSbatchReadsThem()
    {
        Assert.Equal("0-3", SlurmBatch.Ranges([3, 1, 0, 2]));
        Assert.Equal("0,2-4,9", SlurmBatch.Ranges([9, 4, 3, 2, 0]));
    }

    [Fact]
    public void TasksParseAndBadOnesNameTheForms()
    {
        Assert.Equal(new ClusterTask("point", 12), ClusterTask.Parse("point:12"));
        Assert.Equal(new ClusterTask("merge", -1), ClusterTask.Parse("merge"));
        var e = Assert.Throws<BadInputException>(() => ClusterTask.Parse("extract:x"));
        Assert.Contains(ClusterTask.Forms, e.Message);
    }

    [Fact]
    public void ScriptQuotesArgumentsAndPassesTheArrayTaskIndex()
    {
        using var scratch = new ScratchFolder();
        var batch = new SlurmBatch(scratch.Path, new SlurmSettings { Command = ["/opt/repalign"] });
        var script = batch.Script("point", ["run", "it's.toml", "--task", "point:" + SlurmBatch.TaskIndex]);
        Assert.Contains("exec '/opt/repalign' 'run' 'it'\\''s.toml' '--task' 'point:'\"$SLURM_ARRAY_TASK_ID\"''", script);
    }
}
