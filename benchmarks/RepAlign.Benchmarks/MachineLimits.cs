using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// What this machine allows, measured with libtorch in the same process as the training it is compared with:
/// SGEMM throughput of a shape and the bandwidth of a large tensor copy.
/// </summary>
internal static class MachineLimits
{
    /// <summary>
    /// Median GFLOP/s of <c>mm</c> of an (m, k) by a (k, n) matrix on the current libtorch thread count, over
    /// <paramref name="repeats"/> timings of enough calls to last about 50 ms each: per wall second and per CPU second.
    /// </summary>
    public static (double Wall, double Cpu) Gemm(int m, int k, int n, int repeats)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7, CPU);
        var a = randn([m, k], generator: generator); // (m, k)
        var b = randn([k, n], generator: generator); // (k, n)
        var flops = 2.0 * m * k * n;
        var calls = Math.Max(1, (int)(50e-3 * 100e9 / flops)); // ≈ 50 ms at 100 GFLOP/s
        for (var i = 0; i < Math.Min(calls, 20); i++) a.mm(b).Dispose(); // warm-up
        var times = new List<Elapsed>();
        for (var r = 0; r < repeats; r++)
        {
            var start = Elapsed.Now();
            for (var i = 0; i < calls; i++) a.mm(b).Dispose();
            times.Add(Elapsed.Since(start));
        }
        return (ProbeArgs.Median(times.Select(t => flops * calls / t.Wall / 1e9)), ProbeArgs.Median(times.Select(t => flops * calls / t.Cpu / 1e9)));
    }

    /// <summary>
    /// Median bandwidth in GB/s of <c>copy_</c> between two float tensors of <paramref name="megabytes"/> MB each
    /// (bytes read plus bytes written, per wall second and per CPU second): the memory floor of a step is the bytes it
    /// must move divided by this.
    /// </summary>
    public static (double Wall, double Cpu) CopyBandwidth(int megabytes, int repeats)
    {
        using var scope = NewDisposeScope();
        var count = megabytes * (1L << 20) / sizeof(float);
        var source = ones(count); // (count)
        var target = zeros(count); // (count)
        target.copy_(source); // first touch
        var times = new List<Elapsed>();
        for (var r = 0; r < repeats; r++)
        {
            var start = Elapsed.Now();
            target.copy_(source);
            times.Add(Elapsed.Since(start));
        }
        var bytes = 2.0 * count * sizeof(float);
        return (ProbeArgs.Median(times.Select(t => bytes / t.Wall / 1e9)), ProbeArgs.Median(times.Select(t => bytes / t.Cpu / 1e9)));
    }

    /// <summary>The load average line of the machine (Linux), for the record of a measurement.</summary>
    public static string Load() =>
        File.Exists("/proc/loadavg") ? "load average " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "load average unknown";
}
