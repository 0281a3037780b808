using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Training.Loop;

/// <summary>
/// One network being trained — its parameters, optimiser and seeded shuffle stream — and the one
/// implementation of the update step, the (mini-)batch epoch, eval-mode probing and checkpoint
/// writing that every trainer uses. The step takes the fast path (<see cref="MlpBackprop"/>) where the network
/// allows it and <see cref="StepPath.Fast"/> is asked for, otherwise the reference (autograd); both give the same weights.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private static readonly Scalar Half = 0.5.ToScalar(); // explicit: implicit Scalars are left to the finaliser thread
    private readonly ParameterUpdate optimizer;
    private readonly MlpBackprop? fast;
    private readonly Generator generator;
    private CheckpointWriter? writer;

    /// <summary>Builds and initialises the network of <paramref name="model"/> from <see cref="TrainSpec.Seed"/>, and its optimiser.</summary>
    public TrainingSession(ModelSpec model, TrainSpec train, int inputDim, int outputDim, StepPath path = StepPath.Fast)
    {
        TorchRuntime.EnsureLoaded();
        Model = model;
        Train = train;
        generator = new Generator((ulong)(uint)train.Seed, CPU);
        try
        {
            Network = NetworkFactory.Create(model, inputDim, outputDim, generator);
            if (model.Init.Length > 0) PyTorch.WeightImport.LoadInit(Network, model.Init);
            Network.train();
            optimizer = train.Optimizer switch
            {
                OptimizerKind.Sgd => new ParameterUpdate(Network.parameters(), train.Lr, adam: false),
                OptimizerKind.Adam => new ParameterUpdate(Network.parameters(), train.Lr, adam: true, fused: path == StepPath.Fast),
                _ => Throw.BadInput<ParameterUpdate>($"train.optimizer: found {train.Optimizer}, expected sgd or adam"),
            };
            var fastPath = path == StepPath.Fast && MlpBackprop.Supports(Network);
            var lanes = fastPath && MlpBackprop.LanesApply(Network, optimizer) ? Math.Min(train.Threads, 2) : 0;
            // libtorch's thread count is process-wide; concurrent runs must all ask for the same value. The lanes are the
            // step's threads (the rest of it, the loss, runs on libtorch's one), and one lane gives the weights of two.
            TorchRuntime.UseThreads(lanes > 0 ? 1 : train.Threads);
            fast = fastPath ? new MlpBackprop(Network, optimizer, lanes) : null;
        }
        catch
        {
            optimizer?.Dispose();
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

    /// <summary>Whether the steps take the fast path (<see cref="MlpBackprop"/>).</summary>
    public bool IsFast => fast is not null;

    /// <summary>
    /// How many (rows, layer) pairs so far took each kernel of the fast step: the forward pass
    /// (<see cref="LinearForwardKernel"/>), the input gradient in the update's pass and the update in one pass with the
    /// weight's gradient (<see cref="SgdOuterKernel"/>).
    /// </summary>
    public (int Forward, int InputGradient, int Update) KernelShapes =>
        fast?.KernelShapes ?? (0, 0, 0);

    /// <summary>How many (rows, layer) pairs so far ran on BLAS in lanes, and in how many (two when train.threads ≥ 2).</summary>
    public (int Shapes, int Lanes) LaneShapes => fast?.LaneShapes ?? (0, 0);

    /// <summary>The training loss of <see cref="TrainSpec.Loss"/>: 0.5 · MSE or MSE, the mean over rows and outputs.</summary>
    public Tensor Loss(Tensor prediction, Tensor target) => Loss(Train.Loss, prediction, target);

    /// <summary>The loss <paramref name="kind"/> of a prediction: 0.5 · MSE or MSE, the mean over rows and outputs.</summary>
    public static Tensor Loss(LossKind kind, Tensor prediction, Tensor target)
    {
        var mse = nn.functional.mse_loss(prediction, target);
        if (kind == LossKind.Mse) return mse;
        using (mse) return mse.mul(Half);
    }

    /// <summary>
    /// The training-mode forward pass of <paramref name="x"/> that <see cref="Update"/> differentiates (without
    /// autograd on the fast path). Call inside a dispose scope.
    /// </summary>
    public ForwardPass TrainingForward(Tensor x) => fast is null ? Network.Forward(x) : fast.Forward(x); // (B, d_in) → (B, d_out)

    /// <summary>
    /// One optimiser step on the gradient of <paramref name="loss"/>, the loss of <paramref name="pass"/> (a
    /// <see cref="TrainingForward"/> of <paramref name="x"/>) against <paramref name="y"/>. Call inside a dispose scope.
    /// </summary>
    public void Update(Tensor x, ForwardPass pass, Tensor y, Tensor loss)
    {
        if (fast is not null)
        {
            fast.Step(x, pass, y, Train.Loss);
            return;
        }
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
            var pass = TrainingForward(x); // (N, d_in) → (N, d_out)
            var loss = Loss(pass.Output, y);
            var value = (double)loss.item<float>();
            if (double.IsFinite(value)) Update(x, pass, y, loss);
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
            var xb = x.index_select(0, index); // (b, d_in)
            var yb = y.index_select(0, index); // (b, d_out)
            var pass = TrainingForward(xb); // (b, d_in) → (b, d_out)
            var loss = Loss(pass.Output, yb);
            var value = (double)loss.item<float>();
            if (!double.IsFinite(value)) return value;
            Update(xb, pass, yb, loss);
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

    /// <summary>
    /// Takes the eval-mode network's checkpoint <c>epoch-NNNNN.onnx</c> in <paramref name="directory"/> and returns the
    /// file, which a second thread writes (atomically) while training goes on; <see cref="CompleteCheckpoints"/> waits
    /// for every file.
    /// </summary>
    public CheckpointFile Checkpoint(DataSpec data, int epoch, string directory)
    {
        var path = Path.GetFullPath(Path.Combine(directory, OnnxExporter.FileName(epoch)));
        writer ??= new CheckpointWriter();
        writer.Enqueue(OnnxExporter.Build(Network, new CheckpointInfo(Model, data, Train, epoch)), path);
        return new CheckpointFile(epoch, path);
    }

    /// <summary>Waits until every checkpoint taken is written; rethrows a failed write.</summary>
    public void CompleteCheckpoints() => writer?.Complete();

    /// <summary>Releases the network, optimiser and generator.</summary>
    public void Dispose()
    {
        writer?.Dispose();
        fast?.Dispose();
        optimizer.Dispose();
        Network.Dispose();
        generator.Dispose();
    }
}
