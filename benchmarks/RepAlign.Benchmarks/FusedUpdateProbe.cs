using System.Globalization;
using RepAlign.Training.Loop;
using RepAlign.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- fused-update [rounds] [rows…]</c>: the fast step's kernels against the libtorch operations they replace, back to
/// back in every round, on the same data: the SGD update by δᵀ·x (<c>addmm_</c> into a scratch gradient then
/// <c>add_(g, −lr)</c>, against <see cref="SgdOuterKernel.Step"/>), the whole backward pass (<c>mm</c> for δ·W as well,
/// against <see cref="SgdOuterKernel.StepWithInputGradient"/>) and the forward pass (<c>linear</c>, against
/// <see cref="LinearForwardKernel"/>). For the default two-point network's 19 hidden weights (500×500, 19 MB, far
/// beyond the caches, as in training) and the MNIST main job's (200×784 and three 200×200), at 1 to 64 rows. Prints the
/// medians over the rounds and the kernel's time over libtorch's: where it is below 1, fusing pays (the fast step
/// fuses up to <c>MlpBackprop.FusedRows</c> rows). One libtorch thread, as the pipelines train.
/// </summary>
internal static class FusedUpdateProbe
{
    public static int Run(string[] args)
    {
        var rounds = ProbeArgs.Int(args, 0, 5);
        TorchRuntime.EnsureLoaded();
        TorchRuntime.UseThreads(1);
        Console.WriteLine($"fused-update: {rounds} rounds, {MachineLimits.Load()}, libtorch threads {get_num_threads()}");
        (string Name, (long Out, long In)[] Shapes)[] networks =
        [
            ("two-point 19×(500×500)", Enumerable.Repeat((500L, 500L), 19).ToArray()),
            ("mnist 200×784 + 3×(200×200)", [(200, 784), (200, 200), (200, 200), (200, 200)]),
        ];
        int[] rowCounts = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [1, 2, 4, 8, 16, 64];
        var results = new Dictionary<string, List<double>>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, shapes) in networks)
            foreach (var rows in rowCounts)
            {
                using var scope = NewDisposeScope();
                using var data = new Layers(shapes, rows);
                foreach (var (label, library, kernel) in new (string, Action<int>, Action<int>)[]
                {
                    ("update: addmm_ + add_", data.LibraryUpdate, data.KernelUpdate),
                    ("backward: mm + addmm_ + add_", data.LibraryBackward, data.KernelBackward),
                    ("forward: linear", data.LibraryForward, data.KernelForward),
                })
                {
                    var (libraryMs, kernelMs) = (data.Time(library), data.Time(kernel));
                    Add(results, $"{name}, {rows} rows, {label} (ms)", libraryMs);
                    Add(results, $"{name}, {rows} rows, {label}: kernel (ms)", kernelMs);
                    Add(results, $"{name}, {rows} rows, {label}: kernel / library", kernelMs / libraryMs);
                }
            }
            Console.WriteLine($"round {round + 1}: {MachineLimits.Load()}");
        }
        var inv = CultureInfo.InvariantCulture;
        foreach (var (key, values) in results)
            Console.WriteLine(string.Create(inv, $"{key,-62} {ProbeArgs.Median(values),8:F3}   [{string.Join(", ", values.Select(v => v.ToString("F3", inv)))}]"));
        Console.WriteLine($"end: {MachineLimits.Load()}");
        return 0;
    }

    private static void Add(Dictionary<string, List<double>> results, string key, double value)
    {
        if (!results.TryGetValue(key, out var list)) results[key] = list = [];
        list.Add(value);
    }

    /// <summary>
    /// Random weights, biases, δ and inputs of <paramref name="rows"/> rows for every layer of <paramref name="shapes"/>
    /// (in the caller's dispose scope), and each way of one pass over them: <see cref="Time"/> gives milliseconds per pass
    /// over every layer.
    /// </summary>
    private sealed class Layers : IDisposable
    {
        private readonly int rows, repeats;
        private readonly Tensor[] weights, biases, deltas, inputs, below, outputs, gradients;
        private readonly Scalar negativeLr = (-1e-6).ToScalar(); // small: the weights stay what they were drawn as

        public Layers((long Out, long In)[] shapes, int rows)
        {
            using var generator = new Generator(5, CPU);
            this.rows = rows;
            repeats = Math.Max(3, 200 / rows);
            weights = shapes.Select(s => randn([s.Out, s.In], generator: generator)).ToArray(); // (out, in)
            biases = shapes.Select(s => randn([s.Out], generator: generator)).ToArray(); // (out)
            deltas = shapes.Select(s => randn([rows, s.Out], generator: generator)).ToArray(); // (rows, out)
            inputs = shapes.Select(s => randn([rows, s.In], generator: generator)).ToArray(); // (rows, in)
            below = shapes.Select(s => empty([rows, s.In])).ToArray(); // (rows, in)
            outputs = shapes.Select(s => empty([rows, s.Out])).ToArray(); // (rows, out)
            var scratch = empty(shapes.Max(s => s.Out * s.In));
            gradients = shapes.Select(s => scratch.narrow(0, 0, s.Out * s.In).view(s.Out, s.In)).ToArray(); // (out, in)
        }

        /// <summary>Milliseconds per <paramref name="pass"/> over every layer, after one pass to warm up.</summary>
        public double Time(Action<int> pass)
        {
            for (var k = 0; k < weights.Length; k++) pass(k);
            var start = Elapsed.Now();
            for (var r = 0; r < repeats; r++)
                for (var k = 0; k < weights.Length; k++) pass(k);
            return 1000 * Elapsed.Since(start).Wall / repeats;
        }

        public void LibraryUpdate(int k)
        {
            gradients[k].addmm_(deltas[k].t(), inputs[k], 0f, 1f);
            weights[k].add_(gradients[k], negativeLr);
        }

        public void KernelUpdate(int k) =>
            SgdOuterKernel.Step(FloatSpans.Of(weights[k]), FloatSpans.Of(deltas[k]), FloatSpans.Of(inputs[k]), rows, negativeLr.ToSingle());

        public void LibraryBackward(int k)
        {
            deltas[k].mm(weights[k]).Dispose();
            LibraryUpdate(k);
        }

        public void KernelBackward(int k) =>
            SgdOuterKernel.StepWithInputGradient(FloatSpans.Of(weights[k]), FloatSpans.Of(deltas[k]), FloatSpans.Of(inputs[k]),
                FloatSpans.Of(below[k]), rows, negativeLr.ToSingle());

        public void LibraryForward(int k) => nn.functional.linear(inputs[k], weights[k], biases[k]).Dispose();

        public void Dispose() => negativeLr.Dispose();

        public void KernelForward(int k) =>
            LinearForwardKernel.Forward(FloatSpans.Of(inputs[k]), FloatSpans.Of(weights[k]), FloatSpans.Of(biases[k]), FloatSpans.Of(outputs[k]), rows);
    }
}
