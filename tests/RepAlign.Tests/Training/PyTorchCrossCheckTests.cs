using System.Text.Json;
using Xunit;

namespace RepAlign.Tests.Training;

/// <summary>
/// RepAlign's training against Debian's PyTorch (python3-torch 1.13) from identical initial weights, with
/// benchmarks/crosscheck/crosscheck.py in its quick mode: the two-point default and XOR rich (MSE, ReLU) networks
/// shrunk to 4 × 32 for 300 full-batch steps, and the MNIST MLP for one epoch over 500 images in file order.
/// The full-size check (20 × 500, 1000 steps; 2,000 images) is the same script without --quick; its figures are in
/// benchmarks/results/crosscheck-linux-x64.md.
/// </summary>
public class PyTorchCrossCheckTests
{
    [Fact]
    public async Task Training_matches_pytorch_from_the_same_initial_weights()
    {
        using var dir = new ScratchFolder();
        var json = dir.File("crosscheck.json");
        var repalign = $"dotnet exec {Path.Combine(AppContext.BaseDirectory, "repalign.dll")}";
        var (code, output) = await ChildProcess.RunAsync("/usr/bin/python3",
            [TestPaths.Repo("benchmarks", "crosscheck", "crosscheck.py"), "--repalign", repalign, "--out", dir.File("runs"), "--quick", "--json", json],
            TimeSpan.FromMinutes(10));
        Assert.True(code == 0, output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(["two-point default", "XOR rich", "MNIST MLP"], results.Select(r => r.GetProperty("experiment").GetString()));
        foreach (var r in results)
        {
            var name = r.GetProperty("experiment").GetString();
            var ours = r.GetProperty("repalign_vs_torch32").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(3, ours.Length);
            // h, y and w agree to 1e−4 of their largest value over the whole run (expected ~1e−6: float32 rounding).
            Assert.All(ours, (d, q) => Assert.True(d <= 1e-4, $"{name}: {"hyw"[q]} differs by {d:G3} relative"));
            Assert.All(ours, d => Assert.True(d > 0 || name == "MNIST MLP", $"{name}: identical to the last bit is suspicious for two libtorch builds"));
        }
        Assert.True(results[2].GetProperty("weights_repalign_vs_torch32").GetDouble() <= 1e-5);
    }
}
