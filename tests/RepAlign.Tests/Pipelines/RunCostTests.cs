using RepAlign.Core.Specs;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Tests.Pipelines;

/// <summary>The expected cost of a run and the longest-first order a sweep starts its runs in.</summary>
public class RunCostTests
{
    [Fact]
    public void The_default_two_point_run_costs_epochs_times_weights_times_rows_plus_the_step_overhead()
    {
        var spec = new ExperimentSpec(); // 20 × 500, two points, full batch, 6000 epochs
        var weights = 500.0 * 500 * 19 + 500 * (1 + 1);
        Assert.Equal(6000 * weights * (2 + RunCost.StepOverheadRows), RunCost.Expected(spec));
    }

    [Fact]
    public void Cost_grows_with_epochs_width_depth_and_steps()
    {
        var spec = new ExperimentSpec();
        var cost = RunCost.Expected(spec);
        Assert.Equal(2 * cost, RunCost.Expected(spec with { Train = spec.Train with { Epochs = 12000 } }));
        Assert.True(RunCost.Expected(spec with { Model = spec.Model with { Width = 600 } }) > 1.4 * cost);
        Assert.True(RunCost.Expected(spec with { Model = spec.Model with { Depth = 10 } }) < 0.5 * cost);
        var mnist = spec with { Data = new DataSpec { Kind = DataKind.Mnist }, Model = spec.Model with { Width = 200, Depth = 4 }, Train = spec.Train with { Epochs = 200, Batch = 64 } };
        Assert.True(RunCost.Expected(mnist) > RunCost.Expected(mnist with { Train = mnist.Train with { Batch = 0 } }), "mini-batches cost more steps than one full batch");
    }

    [Fact]
    public void A_sweep_starts_its_most_expensive_runs_first_and_keeps_the_order_of_ties()
    {
        var spec = new ExperimentSpec();
        ExperimentSpec[] specs =
        [
            spec with { Train = spec.Train with { Epochs = 100 } },
            spec with { Train = spec.Train with { Epochs = 4000 } },
            spec with { Train = spec.Train with { Epochs = 100, Seed = 1 } },
            spec with { Model = spec.Model with { Width = 800 }, Train = spec.Train with { Epochs = 3000 } },
            spec with { Data = new DataSpec { Kind = DataKind.Xor }, Model = spec.Model with { Width = 50 }, Train = spec.Train with { Epochs = 100 } },
        ];
        Assert.Equal([3, 1, 0, 2, 4], RunCost.LongestFirst(specs));
    }

    [Fact]
    public void The_shipped_architectures_sweep_starts_with_its_most_expensive_variant()
    {
        var points = PipelineFile.LoadDocument(TestPaths.Repo("pipelines", "architectures.toml"), []).Expand("architectures.toml");
        Assert.True(points.Count > 5, $"{points.Count} points");
        var order = RunCost.LongestFirst(points.Select(p => p.Spec).ToArray());
        Assert.Equal(points.Count, order.Distinct().Count());
        var costs = order.Select(i => RunCost.Expected(points[i].Spec)).ToArray();
        Assert.True(costs.Zip(costs.Skip(1)).All(c => c.First >= c.Second), "costs not descending");
        Assert.True(costs[0] > costs[^1], "every architecture costs the same: the order would mean nothing");
    }
}
