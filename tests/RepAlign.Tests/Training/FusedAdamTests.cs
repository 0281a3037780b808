using RepAlign.Training.Loop;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// Adam in two fused passes (<see cref="AdamKernel"/>) against libtorch's eight operations: over 20 steps of random
/// gradients, parameters of many sizes (vector tails included) and ranks end bit-identical. Seeds come from
/// REPALIGN_TEST_SEED when set.
/// </summary>
public class FusedAdamTests(ITestOutputHelper output)
{
    [Fact]
    public void Fused_adam_is_bit_identical_to_the_operation_by_operation_update()
    {
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 19;
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        long[][] shapes = [[1], [7], [10], [200], [200, 784], [13, 3, 11], [1000, 3]];
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed, CPU);
        var initial = shapes.Select(shape => randn(shape, generator: generator)).ToArray();
        var fusedParameters = initial.Select(t => new TorchSharp.Modules.Parameter(t.clone())).ToArray();
        var referenceParameters = initial.Select(t => new TorchSharp.Modules.Parameter(t.clone())).ToArray();
        using var fused = new ParameterUpdate(fusedParameters, 0.003, adam: true, fused: true);
        using var reference = new ParameterUpdate(referenceParameters, 0.003, adam: true);
        using var noGrad = no_grad();
        using var small = 1e-4.ToScalar(); // owned: implicit Scalars are left to the finaliser thread
        using var large = 0.05.ToScalar();
        for (var step = 0; step < 20; step++)
        {
            fused.BeginStep();
            reference.BeginStep();
            for (var i = 0; i < shapes.Length; i++)
            {
                var g = randn(shapes[i], generator: generator).mul_(step % 3 == 0 ? small : large); // small and large gradients
                fused.Apply(i, g);
                reference.Apply(i, g);
            }
        }
        for (var i = 0; i < shapes.Length; i++)
        {
            Assert.False(fusedParameters[i].bytes.SequenceEqual(initial[i].bytes), $"parameter {i} did not move");
            Assert.True(fusedParameters[i].bytes.SequenceEqual(referenceParameters[i].bytes), $"parameter {i} ([{string.Join(", ", shapes[i])}]) differs from the reference");
        }
    }
}
