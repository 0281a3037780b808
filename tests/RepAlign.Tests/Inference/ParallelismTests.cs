using RepAlign.Core;

namespace RepAlign.Tests.Inference;

public class ParallelismTests
{
    [Fact]
    public void Every_index_runs_once_and_a_failure_surfaces_as_itself()
    {
        var runs = new int[100];
        Parallelism.For(runs.Length, 2, i => Interlocked.Increment(ref runs[i]));
        Assert.All(runs, r => Assert.Equal(1, r));

        var bad = Assert.Throws<BadInputException>(() => Parallelism.For(10, 2, i =>
        {
            if (i == 7) throw new BadInputException("checkpoint 7: not ONNX");
        }));
        Assert.Equal("checkpoint 7: not ONNX", bad.Message);
        Assert.Throws<OperationCanceledException>(() => Parallelism.For(4, 2, _ => throw new OperationCanceledException()));
    }
}
