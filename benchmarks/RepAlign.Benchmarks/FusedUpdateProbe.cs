using System.Globalization;
using System.Runtime.InteropServices;
using RepAlign.Training.Loop;
using RepAlign.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- fused-update [rounds] [rows…]</c>: the SGD update of a network's weights by δᵀ·x two ways, back to back in every round:
/// libtorch's <c>addmm_</c> into a scratch gradient then <c>add_(g, −lr)</c> (what the fast step did before), and
/// <see cref="SgdOuterKernel"/>'s one pass. For the default two-point network's 19 hidden weights (500×500, 19 MB, far
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
                foreach (var (label, measure) in new (string, Func<(double, double)>)[]
                {
                    ("forward: linear", () => MeasureForward(shapes, rows)),
                    ("backward: mm + addmm_ + add_", () => MeasureBackward(shapes, rows)),
                })
                {
                    var (library, kernel) = measure();
                    Add(results, $"{name}, {rows} rows, {label} (ms)", library);
                    Add(results, $"{name}, {rows} rows, {label}: kernel (ms)", kernel);
                    Add(results, $"{name}, {rows} rows, {label}: kernel / library", kernel / library);
                }
                foreach (var afterInputGradient in new[] { false, true })
                {
                    var (library, kernel) = Measure(shapes, rows, afterInputGradient);
                    var label = afterInputGradient ? $"{name}, {rows} rows, after δ·W" : $"{name}, {rows} rows";
                    Add(results, $"{label}: addmm_ + add_ (ms)", library);
                    Add(results, $"{label}: kernel (ms)", kernel);
                    Add(results, $"{label}: kernel / library", kernel / library);
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
    /// Milliseconds per update of every weight of <paramref name="shapes"/>, libtorch's two operations and the kernel, on
    /// the same data; with <paramref name="afterInputGradient"/>, each update follows the layer's input gradient δ·W (as
    /// in the step, which leaves W in cache), and both timings include it.
    /// </summary>
    private static (double Library, double Kernel) Measure((long Out, long In)[] shapes, int rows, bool afterInputGradient)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, CPU);
        var weights = shapes.Select(s => randn([s.Out, s.In], generator: generator)).ToArray(); // (out, in) each
        var deltas = shapes.Select(s => randn([rows, s.Out], generator: generator)).ToArray(); // (rows, out)
        var inputs = shapes.Select(s => randn([rows, s.In], generator: generator)).ToArray(); // (rows, in)
        var scratch = empty(shapes.Max(s => s.Out * s.In));
        var gradients = shapes.Select(s => scratch.narrow(0, 0, s.Out * s.In).view(s.Out, s.In)).ToArray(); // (out, in)
        using var negativeLr = (-1e-6).ToScalar();
        var repeats = Math.Max(3, 200 / rows);
        double Time(Action<int> update)
        {
            for (var k = 0; k < shapes.Length; k++) update(k); // warm
            var start = Elapsed.Now();
            for (var r = 0; r < repeats; r++)
                for (var k = 0; k < shapes.Length; k++) update(k);
            return 1000 * Elapsed.Since(start).Wall / repeats;
        }
        var below = shapes.Select(s => empty(rows, s.In)).ToArray(); // (rows, in)
        void InputGradient(int k)
        {
            if (afterInputGradient) below[k] = deltas[k].mm(weights[k]); // (rows, in)
        }
        var library = Time(k =>
        {
            InputGradient(k);
            gradients[k].addmm_(deltas[k].t(), inputs[k], 0f, 1f);
            weights[k].add_(gradients[k], negativeLr);
        });
        var kernel = Time(k =>
        {
            InputGradient(k);
            SgdOuterKernel.Step(MemoryMarshal.Cast<byte, float>(weights[k].bytes),
            MemoryMarshal.Cast<byte, float>(deltas[k].bytes), MemoryMarshal.Cast<byte, float>(inputs[k].bytes), rows, -1e-6f);
        });
        return (library, kernel);
    }

    /// <summary>Milliseconds per forward pass (x·Wᵀ + b) of every weight of <paramref name="shapes"/>: libtorch's <c>linear</c> and <see cref="LinearForwardKernel"/>.</summary>
    private static (double Library, double Kernel) MeasureForward((long Out, long In)[] shapes, int rows)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, CPU);
        var weights = shapes.Select(s => randn([s.Out, s.In], generator: generator)).ToArray(); // (out, in)
        var biases = shapes.Select(s => randn([s.Out], generator: generator)).ToArray(); // (out)
        var inputs = shapes.Select(s => randn([rows, s.In], generator: generator)).ToArray(); // (rows, in)
        var outputs = shapes.Select(s => empty([rows, s.Out])).ToArray(); // (rows, out)
        var repeats = Math.Max(3, 200 / rows);
        double Time(Action<int> pass)
        {
            for (var k = 0; k < shapes.Length; k++) pass(k); // warm
            var start = Elapsed.Now();
            for (var r = 0; r < repeats; r++)
                for (var k = 0; k < shapes.Length; k++) pass(k);
            return 1000 * Elapsed.Since(start).Wall / repeats;
        }
        var library = Time(k => nn.functional.linear(inputs[k], weights[k], biases[k]).Dispose());
        var kernel = Time(k => LinearForwardKernel.Forward(MemoryMarshal.Cast<byte, float>(inputs[k].bytes), MemoryMarshal.Cast<byte, float>(weights[k].bytes),
            MemoryMarshal.Cast<byte, float>(biases[k].bytes), MemoryMarshal.Cast<byte, float>(outputs[k].bytes), rows));
        return (library, kernel);
    }

    /// <summary>Milliseconds per backward pass (δ·W, δᵀ·x, the update) of every weight: libtorch's three operations and <see cref="SgdOuterKernel.StepWithInputGradient"/>.</summary>
    private static (double Library, double Kernel) MeasureBackward((long Out, long In)[] shapes, int rows)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, CPU);
        var weights = shapes.Select(s => randn([s.Out, s.In], generator: generator)).ToArray(); // (out, in)
        var deltas = shapes.Select(s => randn([rows, s.Out], generator: generator)).ToArray(); // (rows, out)
        var inputs = shapes.Select(s => randn([rows, s.In], generator: generator)).ToArray(); // (rows, in)
        var below = shapes.Select(s => empty([rows, s.In])).ToArray(); // (rows, in)
        var scratch = empty(shapes.Max(s => s.Out * s.In));
        var gradients = shapes.Select(s => scratch.narrow(0, 0, s.Out * s.In).view(s.Out, s.In)).ToArray(); // (out, in)
        using var negativeLr = (-1e-6).ToScalar();
        var repeats = Math.Max(3, 200 / rows);
        double Time(Action<int> pass)
        {
            for (var k = 0; k < shapes.Length; k++) pass(k); // warm
            var start = Elapsed.Now();
            for (var r = 0; r < repeats; r++)
                for (var k = 0; k < shapes.Length; k++) pass(k);
            return 1000 * Elapsed.Since(start).Wall / repeats;
        }
        var library = Time(k =>
        {
            deltas[k].mm(weights[k]).Dispose();
            gradients[k].addmm_(deltas[k].t(), inputs[k], 0f, 1f);
            weights[k].add_(gradients[k], negativeLr);
        });
        var kernel = Time(k => SgdOuterKernel.StepWithInputGradient(MemoryMarshal.Cast<byte, float>(weights[k].bytes),
            MemoryMarshal.Cast<byte, float>(deltas[k].bytes), MemoryMarshal.Cast<byte, float>(inputs[k].bytes),
            MemoryMarshal.Cast<byte, float>(below[k].bytes), rows, -1e-6f));
        return (library, kernel);
    }
}
