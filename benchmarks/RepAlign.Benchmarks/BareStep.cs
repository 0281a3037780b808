using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// The training step as the trainer takes it (the reference path: TorchSharp autograd, per-parameter SGD), written out
/// in a bare loop with a clock between its phases, and the GEMMs of the MNIST step alone.
/// </summary>
internal static class BareStep
{
    private static readonly string[] Phases = ["gather batch", "forward", "loss + item", "zero grad", "backward", "sgd step", "dispose scope"];
    private static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>One epoch of the MNIST step (784-200⁴-10, mini-batches of <see cref="TrainSpec.Batch"/>) with its phases timed.</summary>
    public static StepPhases Mnist(MnistDataset data, TrainSpec train)
    {
        var phases = new StepPhases(Phases);
        using var generator = new Generator(0, CPU);
        using var network = NetworkFactory.Create(new ModelSpec { Width = 200, Depth = 4, Gain = 0.5 }, 784, 10, generator);
        network.train();
        using var x = tensor(data.Images, [data.Count, 784]); // (N, 784)
        using var y = tensor(data.OneHotTargets(), [data.Count, 10]); // (N, 10)
        using var negativeLr = (-train.Lr).ToScalar();
        var parameters = network.parameters().ToArray();
        using var order = randperm(data.Count, generator: generator); // (N)
        for (long start = 0; start < data.Count; start += train.Batch)
        {
            phases.Start();
            var scope = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(train.Batch, data.Count - start)); // (b)
            var xb = x.index_select(0, index); // (b, 784)
            var yb = y.index_select(0, index); // (b, 10)
            phases.Lap(0);
            Step(network, xb, yb, parameters, negativeLr, phases);
            scope.Dispose();
            phases.Lap(6);
            phases.EndStep();
        }
        return phases;
    }

    /// <summary><paramref name="steps"/> full-batch steps of the default two-point network (20×500) with their phases timed.</summary>
    public static StepPhases TwoPoint(TrainSpec train, int steps)
    {
        var phases = new StepPhases(Phases);
        using var generator = new Generator(0, CPU);
        using var network = NetworkFactory.Create(new ModelSpec(), 1, 1, generator);
        network.train();
        using var x = tensor(new[] { -1f, 0f }, [2, 1]); // (2, 1)
        using var y = tensor(new[] { 0.6f, 0.6f + MathF.Sqrt(0.5f) }, [2, 1]); // (2, 1)
        using var negativeLr = (-train.Lr).ToScalar();
        var parameters = network.parameters().ToArray();
        for (var s = 0; s < steps; s++)
        {
            phases.Start();
            var scope = NewDisposeScope();
            phases.Lap(0);
            Step(network, x, y, parameters, negativeLr, phases);
            scope.Dispose();
            phases.Lap(6);
            phases.EndStep();
        }
        return phases;
    }

    private static void Step(RepNetwork network, Tensor x, Tensor y, TorchSharp.Modules.Parameter[] parameters, Scalar negativeLr, StepPhases phases)
    {
        var pass = network.Forward(x); // (b, d_in) → (b, d_out)
        phases.Lap(1);
        var mse = nn.functional.mse_loss(pass.Output, y);
        var loss = mse.mul(Half);
        _ = loss.item<float>();
        phases.Lap(2);
        foreach (var p in parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
        phases.Lap(3);
        loss.backward();
        phases.Lap(4);
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                using var g = p.grad;
                if (g is not null) p.add_(g, negativeLr);
            }
        }
        phases.Lap(5);
    }

    /// <summary>FLOPs of one MNIST step (784-200⁴-10): forward, weight gradients, and input gradients of every layer but the first.</summary>
    public static double MnistStepFlops(int batch)
    {
        int[] dims = [784, 200, 200, 200, 200, 10];
        double sum = 0, first = 2.0 * batch * dims[0] * dims[1];
        for (var k = 0; k + 1 < dims.Length; k++) sum += 2.0 * batch * dims[k] * dims[k + 1];
        return 3 * sum - first;
    }

    /// <summary>
    /// Seconds per step (wall and CPU, medians of 3 timings) of the MNIST step's GEMMs alone, with the layouts autograd
    /// uses: forward addmm(b, h, Wᵀ), weight gradient δᵀ·h, input gradient δ·W (not for the first layer).
    /// </summary>
    public static Elapsed MnistGemmOnly(int batch, int steps)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3, CPU);
        int[] dims = [784, 200, 200, 200, 200, 10];
        var w = Enumerable.Range(0, 5).Select(k => randn([dims[k + 1], dims[k]], generator: generator)).ToArray(); // (out, in)
        var b = Enumerable.Range(0, 5).Select(k => randn([dims[k + 1]], generator: generator)).ToArray(); // (out)
        var h = Enumerable.Range(0, 5).Select(k => randn([batch, dims[k]], generator: generator)).ToArray(); // (B, in)
        var d = Enumerable.Range(0, 5).Select(k => randn([batch, dims[k + 1]], generator: generator)).ToArray(); // (B, out)
        void One()
        {
            using var s = NewDisposeScope();
            for (var k = 0; k < 5; k++) addmm(b[k], h[k], w[k].t(), 1f, 1f);
            for (var k = 4; k >= 0; k--)
            {
                d[k].t().mm(h[k]);
                if (k > 0) d[k].mm(w[k]);
            }
        }
        for (var i = 0; i < 20; i++) One();
        var times = new List<Elapsed>();
        for (var r = 0; r < 3; r++)
        {
            var start = Elapsed.Now();
            for (var i = 0; i < steps; i++) One();
            times.Add(Elapsed.Since(start).Per(steps));
        }
        return new Elapsed(ProbeArgs.Median(times.Select(t => t.Wall)), ProbeArgs.Median(times.Select(t => t.Cpu)));
    }

    /// <summary>
    /// Bytes an SGD step of the default two-point network must move at least: the weights read by the forward pass and
    /// by the backward pass, the gradient written, and the update reading weights and gradient and writing the weights
    /// (6 × the parameters' bytes; the activations of two points are negligible).
    /// </summary>
    public static double TwoPointStepBytes()
    {
        using var generator = new Generator(0, CPU);
        using var network = NetworkFactory.Create(new ModelSpec(), 1, 1, generator);
        var count = network.parameters().Sum(p => p.numel());
        return 6.0 * count * sizeof(float);
    }
}
