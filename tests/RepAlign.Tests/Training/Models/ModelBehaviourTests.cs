using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training.Models;

/// <summary>The architectures' defining rules, checked against plain re-computations, and the specs they reject.</summary>
public class ModelBehaviourTests
{
    private static RepNetwork Create(ModelSpec spec, int inputDim = 3, int outputDim = 2, ulong seed = 4)
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(seed, CPU);
        return NetworkFactory.Create(spec, inputDim, outputDim, generator);
    }

    [Fact]
    public void Resnet_adds_hidden_output_k_minus_2_from_layer_2_to_the_last_hidden_layer()
    {
        var spec = SmallModel(ModelKind.Resnet, Activation.Tanh) with { Depth = 5 };
        using var net = (Mlp)Create(spec);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var g = new Generator(9, CPU);
        var x = randn([6, 3], generator: g); // (B, d_in)
        var pass = net.Forward(x);
        // The plain recursion: h_k = tanh(W_k h_{k−1} + b_k) + h_{k−2} for 2 ≤ k ≤ L−1 = 4.
        var h = new List<Tensor>();
        var a = x;
        for (var k = 0; k < 5; k++)
        {
            a = net.Layers[k].forward(a).tanh();
            if (k >= 2) a = a + h[k - 2];
            h.Add(a);
        }
        for (var k = 0; k < 5; k++) Assert.Equal(h[k].data<float>().ToArray(), pass.Hidden[k].data<float>().ToArray());
        Assert.Equal(net.Layers[5].forward(h[4]).data<float>().ToArray(), pass.Output.data<float>().ToArray());
        Assert.Equal([false, false, true, true, true], Enumerable.Range(0, 5).Select(k => Mlp.HasSkip(k, 5)));
    }

    [Fact]
    public void Dropout_is_random_in_training_mode_and_the_identity_in_eval_mode()
    {
        var spec = SmallModel(ModelKind.Dropout, Activation.LeakyRelu);
        using var net = Create(spec);
        using var same = Create(spec);
        using var plain = Create(spec with { Kind = ModelKind.Mlp });
        Assert.True(net.IsStochastic);
        Assert.False(plain.IsStochastic);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var g = new Generator(9, CPU);
        var x = randn([8, 3], generator: g); // (B, d_in)

        net.eval();
        plain.eval();
        var eval1 = net.Forward(x).Output.data<float>().ToArray();
        Assert.Equal(eval1, net.Forward(x).Output.data<float>().ToArray()); // eval mode is deterministic
        Assert.Equal(eval1, plain.Forward(x).Output.data<float>().ToArray()); // same seed, same weights: eval-mode dropout is the plain MLP

        net.train();
        same.train();
        var train1 = net.Forward(x).Output.data<float>().ToArray();
        var train2 = net.Forward(x).Output.data<float>().ToArray();
        Assert.NotEqual(train1, train2); // training mode draws fresh masks
        Assert.NotEqual(eval1, train1);
        Assert.Equal(train1, same.Forward(x).Output.data<float>().ToArray()); // the masks come from the network's seeded generator
    }

    [Fact]
    public void Inverted_dropout_is_unbiased_for_a_linear_network()
    {
        // With no activation and no bias, E[W_1 D_1 W_0 D_0 x / (1 − p)²] = W_1 W_0 x: the train-mode mean over many
        // independent masks equals the eval-mode output, within a few standard errors.
        var spec = new ModelSpec { Kind = ModelKind.Dropout, Width = 16, Depth = 2, Activation = Activation.None, Bias = false, DropoutP = 0.3 };
        using var net = Create(spec, 4, 1);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        const int n = 20000;
        using var g = new Generator(1, CPU);
        var x = randn([1, 4], generator: g).expand(n, 4); // (n, d_in): one point, n masks
        net.eval();
        var exact = net.Forward(x.narrow(0, 0, 1)).Output.item<float>();
        net.train();
        var samples = net.Forward(x).Output; // (n, 1)
        var mean = samples.mean().item<float>();
        var standardError = samples.std().item<float>() / Math.Sqrt(n);
        Assert.True(Math.Abs(mean - exact) < 5 * standardError, $"mean {mean} vs eval {exact} (standard error {standardError})");
        Assert.True(standardError > 0);
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(TrainingFixtures))]
    public void Same_seed_gives_bit_identical_weights(ModelKind kind)
    {
        using var a = Create(SmallModel(kind), seed: 21);
        using var b = Create(SmallModel(kind), seed: 21);
        using var c = Create(SmallModel(kind), seed: 22);
        var pa = a.parameters().ToArray();
        var pb = b.parameters().ToArray();
        Assert.Equal(pa.Length, pb.Length);
        for (var i = 0; i < pa.Length; i++) Assert.Equal(pa[i].data<float>().ToArray(), pb[i].data<float>().ToArray());
        Assert.NotEqual(pa[0].data<float>().ToArray(), c.parameters().First().data<float>().ToArray());
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(TrainingFixtures))]
    public void Biases_start_at_zero_and_can_be_switched_off(ModelKind kind)
    {
        using var with = Create(SmallModel(kind));
        using var without = Create(SmallModel(kind, bias: false));
        using var scope = NewDisposeScope(); // roots abs() and max() while item() reads them
        var biases = with.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).ToArray();
        Assert.Equal(with.named_parameters().Count(p => p.name.EndsWith("weight", StringComparison.Ordinal)), biases.Length);
        Assert.All(biases, p => Assert.Equal(0f, p.parameter.abs().max().item<float>()));
        Assert.DoesNotContain(without.named_parameters(), p => p.name.EndsWith("bias", StringComparison.Ordinal));
    }

    [Fact]
    public void Unsupported_specs_are_rejected_with_the_reason()
    {
        static string Reject(ModelSpec spec) => Assert.Throws<BadInputException>(() => Architecture.Validate(spec, 1, 1)).Message;

        var cnn = new ModelSpec { Kind = ModelKind.Cnn, Width = 500, Depth = 10 };
        Architecture.Validate(cnn, 1, 1);
        Architecture.Validate(cnn with { Width = 41, Depth = 3 }, 1, 1);
        Assert.Contains("model.depth: found 0", Reject(cnn with { Depth = 0 }));
        var narrow = Reject(cnn with { Width = 40, Depth = 3 });
        Assert.Contains("model.width: found 40", narrow);
        Assert.Contains("at least 41", narrow);
        Assert.Contains("model.depth", narrow);
        Assert.Contains("model.dropout_p", Reject(new ModelSpec { Kind = ModelKind.Dropout, DropoutP = 1 }));
        Assert.Contains("model.gain", Reject(new ModelSpec { Gain = 0 }));
        Assert.Contains("model.kind", Reject(new ModelSpec { Kind = (ModelKind)9 }));
        Assert.Contains("model.activation", Reject(new ModelSpec { Activation = (Activation)9 }));
        Assert.Contains("model.width", Assert.Throws<BadInputException>(() => Create(cnn with { Width = 100 })).Message);
    }

    [Fact]
    public void Cnn_tracking_counts_its_extra_hidden_outputs()
    {
        var request = Tiny(epochs: 1) with { Model = SmallModel(ModelKind.Cnn), TrackLayers = [0, 3] };
        Assert.Equal(4, PointSetTrainer.Run(request).Online.Count);
        var message = Assert.Throws<BadInputException>(() => PointSetTrainer.Run(request with { TrackLayers = [4] })).Message;
        Assert.Contains("track.layers: found 4", message);
        Assert.Contains("[0, 3]", message);
    }
}
