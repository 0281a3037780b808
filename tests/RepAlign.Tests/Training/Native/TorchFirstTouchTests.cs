using RepAlign.Training.Native;

namespace RepAlign.Tests.Training.Native;

/// <summary>
/// Code that touches <c>torch</c> before <see cref="TorchRuntime.EnsureLoaded"/> (a static Scalar, a script's first
/// tensor) in a fresh process. Without RepAlign's resolver, on a system whose libstdc++ lacks GLIBCXX_3.4.32, that touch
/// fails torch's type initialiser for the whole process (how a CI run once lost 123 tests); with it, the touch loads the
/// patched copy. Each case is its own <c>dotnet fsi</c> process, since the type initialiser runs once per process.
/// </summary>
public class TorchFirstTouchTests
{
    /// <summary>A script that makes a Scalar and a tensor first; with <paramref name="withRepAlign"/> it also references
    /// RepAlign.Training (its module initialiser registers the resolver; the script never calls EnsureLoaded before the
    /// touch), without it the script knows TorchSharp only.</summary>
    private static string Script(bool withRepAlign)
    {
        string Dll(string name) => Path.Combine(AppContext.BaseDirectory, name).Replace("\\", "/", StringComparison.Ordinal);
        var references = withRepAlign ? $"#r \"{Dll("RepAlign.Core.dll")}\"\n#r \"{Dll("RepAlign.Training.dll")}\"" : "";
        var after = withRepAlign ? "printfn \"decision = %A\" (RepAlign.Training.Native.TorchRuntime.EnsureLoaded().Decision)" : "";
        return $$"""
            #r "{{Dll("TorchSharp.dll")}}"
            {{references}}
            open TorchSharp
            let half = (0.5).ToScalar()
            let ones = torch.ones(2L)
            printfn "sum = %g" (ones.sum().item<float32>())
            {{after}}
            """;
    }

    private static async Task<(int Code, string Output)> Run(bool withRepAlign)
    {
        using var scratch = new ScratchFolder();
        var script = scratch.File("first-touch.fsx");
        File.WriteAllText(script, Script(withRepAlign));
        return await ChildProcess.RunAsync("dotnet", ["fsi", "--quiet", script], TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task A_first_touch_before_EnsureLoaded_loads_torch_in_a_script_that_references_RepAlign_Training()
    {
        var (code, output) = await Run(withRepAlign: true);
        Assert.True(code == 0, output);
        Assert.Contains("sum = 2", output);
        Assert.Contains($"decision = {TorchRuntime.EnsureLoaded().Decision}", output);
    }

    [Fact]
    public async Task With_TorchSharp_alone_the_same_touch_fails_where_the_patch_is_needed()
    {
        var (code, output) = await Run(withRepAlign: false);
        if (TorchRuntime.EnsureLoaded().Decision == NativePatchDecision.PatchWeak)
        {
            Assert.NotEqual(0, code);
            Assert.Contains("libtorch-cpu-linux-x64", output); // TorchSharp's own "doesn't contain a reference" failure
        }
        else
        {
            Assert.True(code == 0, output); // a libstdc++ with GLIBCXX_3.4.32 needs no patch and no resolver
            Assert.Contains("sum = 2", output);
        }
    }
}
