using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// One network being trained — its parameters, optimiser and seeded shuffle stream — and the one
/// implementation of the update step, the (mini-)batch epoch, eval-mode probing and checkpoint
/// writing that every trainer uses.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private static readonly Scalar Half = 0.5.ToScalar(); // explicit: implicit Scalars are left to the finaliser thread
    private readonly ParameterUpdate optimizer;
    private readonly Generator generator;

    /// <summary>Builds and initialises the network of <paramref name="model"/> from <see cref="TrainSpec.Seed"/>, and its optimiser.</summary>
    public TrainingSession(ModelSpec model, TrainSpec train, int inputDim, int outputDim)
    {
        TorchRuntime.EnsureLoaded();
        Model = model;
        Train = train;
        // libtorch's thread count is process-wide; concurrent runs must all ask for the same value.
        TorchRuntime.UseThreads(train.Threads);
        generator = new Generator((ulong)(uint)train.Seed, CPU);
        try
        {
            Network = NetworkFactory.Create(model, inputDim, outputDim, generator);
            if (model.Init.Length > 0) PyTorch.WeightImport.LoadInit(Network, model.Init);
            Network.train();
            optimizer = train.Optimizer switch
            {
                OptimizerKind.Sgd => new ParameterUpdate(Network.parameters(), train.Lr, adam: false),
                OptimizerKind.Adam => new ParameterUpdate(Network.parameters(), train.Lr, adam: true),
                _ => Throw.BadInput<ParameterUpdate>($"train.optimizer: found {train.Optimizer}, expected sgd or adam"),
            };
        }
        catch
        {
            Network?.Dispose();
            generator.Dispose();
            throw;
        }
    }

    /// <summary>The model spec.</summary>
    public ModelSpec Model { get; }

    /// <summary>The training spec.</summary>
    public TrainSpec Train { get; }

    /// <summary>The network (left in training mode between calls).</summary>
    public RepNetwork Network { get; }

    /// <summary>The training loss of <see cref="TrainSpec.Loss"/>: 0.5 · MSE or MSE, the mean over rows and outputs.</summary>
    public Tensor Loss(Tensor prediction, Tensor target) => Loss(Train.Loss, prediction, target);

    /// <summary>The loss <paramref name="kind"/> of a prediction: 0.5 · MSE or MSE, the mean over rows and outputs.</summary>
    public static Tensor Loss(LossKind kind, Tensor prediction, Tensor target)
    {
        var mse = nn.functional.mse_loss(prediction, target);
        if (kind == LossKind.Mse) return mse;
        using (mse) return mse.mul(Half);
    }

    /// <summary>One optimiser step on the gradient of <paramref name="loss"/>.</summary>
    public void Update(Tensor loss)
    {
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step();
    }

    /// <summary>
    /// One epoch over (x, y): with <paramref name="batch"/> = 0 or ≥ N a single full-batch step in row
    /// order; otherwise the rows in a seeded random order (row order when <see cref="TrainSpec.Shuffle"/> is false), ⌈N / batch⌉ steps, each in its own dispose
    /// scope. Returns the mean training loss of the epoch (each step's loss weighted by its rows), taken
    /// from the forward passes the updates used; NaN or ∞ when a step diverged (the epoch stops there).
    /// </summary>
    public double Epoch(Tensor x, Tensor y, int batch, CancellationToken ct)
    {
        var n = x.shape[0];
        if (batch == 0 || batch >= n)
        {
            using var scope = NewDisposeScope();
            var loss = Loss(Network.Forward(x).Output, y); // x (N, d_in) → (N, d_out)
            var value = (double)loss.item<float>();
            if (double.IsFinite(value)) Update(loss);
            return value;
        }
        using var order = Train.Shuffle ? randperm(n, generator: generator) : arange(n, dtype: ScalarType.Int64); // (N)
        var sum = 0.0;
        for (long start = 0; start < n; start += batch)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var rows = Math.Min(batch, n - start);
            var index = order.narrow(0, start, rows); // (b)
            var loss = Loss(Network.Forward(x.index_select(0, index)).Output, y.index_select(0, index)); // (b, d_in) → (b, d_out)
            var value = (double)loss.item<float>();
            if (!double.IsFinite(value)) return value;
            Update(loss);
            sum += value * rows;
        }
        return sum / n;
    }

    /// <summary>
    /// The deterministic forward pass on <paramref name="x"/> without gradients (eval mode, so dropout is
    /// the identity), then back to training mode. Call inside a dispose scope.
    /// </summary>
    public ForwardPass Probe(Tensor x)
    {
        using var _ = no_grad();
        Network.eval();
        try
        {
            return Network.Forward(x); // (R, d_in) → hidden (R, P_k), output (R, d_out)
        }
        finally
        {
            Network.train();
        }
    }

    /// <summary>Writes the eval-mode network as <c>epoch-NNNNN.onnx</c> in <paramref name="directory"/> (atomically) and returns the file.</summary>
    public CheckpointFile Checkpoint(DataSpec data, int epoch, string directory)
    {
        var path = Path.GetFullPath(Path.Combine(directory, OnnxExporter.FileName(epoch)));
        OnnxExporter.Write(Network, new CheckpointInfo(Model, data, Train, epoch), path);
        return new CheckpointFile(epoch, path);
    }

    /// <summary>Releases the network, optimiser and generator.</summary>
    public void Dispose()
    {
        optimizer.Dispose();
        Network.Dispose();
        generator.Dispose();
    }
}
