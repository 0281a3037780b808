using RepAlign.Core.Data;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Spec;

/// <summary>Every key a pipeline file (or <c>--set</c>) may set, in the order the tables appear.</summary>
public static class PipelineKeys
{
    /// <summary>The tables of a pipeline file.</summary>
    public static IReadOnlyList<string> Sections { get; } =
        ["experiment", "data", "model", "train", "checkpoints", "track", "extract", "fit", "report"];

    /// <summary>The keys, by dotted name.</summary>
    public static IReadOnlyDictionary<string, PipelineKey> All { get; } = Build().ToDictionary(k => k.Name, StringComparer.Ordinal);

    private static IEnumerable<PipelineKey> Build()
    {
        yield return PipelineKey.Text("experiment.name", "Experiment name; names the run store folder runs/<name>/.", (s, v) => s with { Name = v });
        yield return PipelineKey.Int("experiment.trials", "Independent trials of every setting, run in parallel, each with its own seed.", 1, (s, v) => s with { Trials = v });
        yield return PipelineKey.Bool("experiment.shared_seed", "false: run k of a sweep (variants × grid × trials, file order) gets seed train.seed + k; true: every setting starts from the same weights (trial t: train.seed + t).", (s, v) => s with { SharedSeed = v });
        yield return PipelineKey.Text("experiment.description", "One line on what the experiment shows.", (s, v) => s with { Description = v });

        yield return PipelineKey.Enum<DataKind>("data.kind", "Data set: the paper's two points, XOR, context blobs, or MNIST digits from IDX files.", (s, v) => s with { Data = s.Data with { Kind = v } });
        yield return PipelineKey.Text("data.path", "Folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (the full 60,000 set works too).", (s, v) => s with { Data = s.Data with { Path = v } });
        yield return PipelineKey.Enum<MnistNormalization>("data.normalize", "mnist: (pixel/255 − 0.1307)/0.3081; none: pixel/255.", (s, v) => s with { Data = s.Data with { Normalize = v } });
        yield return PipelineKey.Int("data.held_out", "The last N images of the file, held out (by position) for validation accuracy and linear probes.", 0, (s, v) => s with { Data = s.Data with { HeldOut = v } });
        yield return PipelineKey.Float("data.dx2", "Squared input distance of the two points.", 0, true, (s, v) => s with { Data = s.Data with { Dx2 = v } });
        yield return PipelineKey.Float("data.dy2", "Squared target distance of the two points.", 0, false, (s, v) => s with { Data = s.Data with { Dy2 = v } });
        yield return PipelineKey.Int("data.input_dim", "Input dimension of the two points.", 1, (s, v) => s with { Data = s.Data with { InputDim = v } });
        yield return PipelineKey.Int("data.output_dim", "Output dimension of the two points.", 1, (s, v) => s with { Data = s.Data with { OutputDim = v } });

        yield return PipelineKey.Enum<ModelKind>("model.kind", "Architecture.", (s, v) => s with { Model = s.Model with { Kind = v } });
        yield return PipelineKey.Int("model.width", "Hidden width P.", 1, (s, v) => s with { Model = s.Model with { Width = v } });
        yield return PipelineKey.Int("model.depth", "Number of hidden layers L.", 1, (s, v) => s with { Model = s.Model with { Depth = v } });
        yield return PipelineKey.Enum<Activation>("model.activation", "Nonlinearity after each hidden layer.", (s, v) => s with { Model = s.Model with { Activation = v } });
        yield return PipelineKey.Float("model.gain", "Gain of the xavier_normal initialisation.", 0, true, (s, v) => s with { Model = s.Model with { Gain = v } });
        yield return PipelineKey.Text("model.init", "ONNX or PyTorch weight file (.pt, .pth, .bin, .safetensors, Lightning .ckpt) whose weights replace the seeded initialisation (same architecture; \"\" = none), e.g. another run's checkpoints/epoch-00000.onnx.", (s, v) => s with { Model = s.Model with { Init = v } });
        yield return PipelineKey.Bool("model.bias", "Whether layers have (zero-initialised) biases.", (s, v) => s with { Model = s.Model with { Bias = v } });

        yield return PipelineKey.Enum<OptimizerKind>("train.optimizer", "Optimiser.", (s, v) => s with { Train = s.Train with { Optimizer = v } });
        yield return PipelineKey.Enum<LossKind>("train.loss", "half_mse: 0.5·MSE (the paper's code); mse: MSE, PyTorch's nn.MSELoss() (the paper's XOR notebook).", (s, v) => s with { Train = s.Train with { Loss = v } });
        yield return PipelineKey.Bool("train.shuffle", "Mini-batches in a fresh seeded random order every epoch (false: the data's order).", (s, v) => s with { Train = s.Train with { Shuffle = v } });
        yield return PipelineKey.Float("train.lr", "Learning rate.", 0, true, (s, v) => s with { Train = s.Train with { Lr = v } });
        yield return PipelineKey.Int("train.epochs", "Number of epochs.", 1, (s, v) => s with { Train = s.Train with { Epochs = v } });
        yield return PipelineKey.Int("train.seed", "Seed of the initial weights and the shuffle (sweeps derive one per run from it, see experiment.shared_seed).", 0, (s, v) => s with { Train = s.Train with { Seed = v } });
        yield return PipelineKey.Int("train.batch", "Mini-batch size; 0 = full batch.", 0, (s, v) => s with { Train = s.Train with { Batch = v } });
        yield return PipelineKey.Float("train.stop_loss", "Stop once the full-batch loss falls below this; 0 = run every epoch (point-set data only).", 0, false, (s, v) => s with { Train = s.Train with { StopLoss = v } });
        yield return PipelineKey.Int("train.threads", "threads of the run's training. A plain MLP under SGD with leaky relu or no activation (the MNIST networks) shares each step between two threads at 2 or more and trains the same weights as at 1, bit for bit; other networks use libtorch's threads, where each count is deterministic but another sums in another order and gives other weights. Changing it re-trains.", 1, (s, v) => s with { Train = s.Train with { Threads = v } });

        yield return PipelineKey.Enum<CheckpointScheduleKind>("checkpoints.schedule", "every: every N epochs; log: count epochs spaced logarithmically.", (s, v) => s with { Checkpoints = s.Checkpoints with { Schedule = v } });
        yield return PipelineKey.Int("checkpoints.every", "Interval of the 'every' schedule.", 1, (s, v) => s with { Checkpoints = s.Checkpoints with { Every = v } });
        yield return PipelineKey.Int("checkpoints.count", "Number of checkpoints of the 'log' schedule (first and last always included).", 2, (s, v) => s with { Checkpoints = s.Checkpoints with { Count = v } });

        yield return new PipelineKey("track.layers", "Tracked hidden layers (0-based): a list of indices, \"all\", or \"middle\" (depth / 2).",
            "a list of integers ≥ 0, \"all\" or \"middle\"",
            (s, value, where) => value switch
            {
                "all" => s with { Track = new TrackSpec { Selection = TrackSelection.All } },
                "middle" => s with { Track = new TrackSpec { Selection = TrackSelection.Middle } },
                List<object> list when list.Count > 0 && list.All(x => x is long l && l >= 0 && l < int.MaxValue) =>
                    s with { Track = new TrackSpec { Selection = TrackSelection.List, Layers = list.Select(x => (int)(long)x).Distinct().Order().ToArray() } },
                _ => PipelineKey.Bad<ExperimentSpec>(where, "track.layers", value, "a non-empty list of integers ≥ 0, \"all\" or \"middle\""),
            });

        yield return PipelineKey.Enum<Device>("extract.device", "ONNX Runtime execution provider.", (s, v) => s with { Extract = s.Extract with { Device = v } });
        yield return PipelineKey.Int("extract.threads", "ONNX Runtime threads; 0 = every core.", 0, (s, v) => s with { Extract = s.Extract with { Threads = v } });
        yield return PipelineKey.Text("extract.pairs", "Pairs to follow: all, random:N, classes:A-B:N, per-class-pair:N, or a CSV file with columns a,b.", (s, v) => s with { Extract = s.Extract with { Pairs = v } });
        yield return PipelineKey.Int("extract.batch_size", "Rows per ONNX Runtime run.", 1, (s, v) => s with { Extract = s.Extract with { BatchSize = v } });
        yield return PipelineKey.Int("extract.probe_every", "Fit the linear probe at every n-th checkpoint (and the last).", 1, (s, v) => s with { Extract = s.Extract with { ProbeEvery = v } });
        yield return PipelineKey.Bool("extract.linear_probe", "Fit a linear probe (held-out accuracy) per layer and checkpoint.", (s, v) => s with { Extract = s.Extract with { LinearProbe = v } });

        yield return PipelineKey.Int("fit.grid_points", "Points of the log grid that initialises the fit.", 2, (s, v) => s with { Fit = s.Fit with { GridPoints = v } });
        yield return PipelineKey.Enum<FitWeighting>("fit.weighting", "Objective: paper (unweighted sum) or normalized.", (s, v) => s with { Fit = s.Fit with { Weighting = v } });
        yield return PipelineKey.Int("fit.window_start", "First fitted epoch.", 0, (s, v) => s with { Fit = s.Fit with { WindowStart = v } });
        yield return PipelineKey.Int("fit.window_end", "Last fitted epoch.", 0, (s, v) => s with { Fit = s.Fit with { WindowEnd = v } });
        yield return PipelineKey.Enum<DynamicsVariant>("fit.dynamics", "The system fitted: the true one or an alternative.", (s, v) => s with { Fit = s.Fit with { Dynamics = v } });
        yield return PipelineKey.Bool("fit.fit_loss", "Fit η_ybar to the loss curve.", (s, v) => s with { Fit = s.Fit with { FitLoss = v } });
        yield return PipelineKey.Enum<InitialState>("fit.initial", "Where the fitted system starts: measured (the first sample, as the paper) or fitted (estimated with the rates; for noisy first samples).", (s, v) => s with { Fit = s.Fit with { Initial = v } });
        yield return PipelineKey.Bool("fit.alternatives", "Also fit the four altered systems to every trajectory (best_alternative, s_ratio_alternative; about 5× the fit time).", (s, v) => s with { Fit = s.Fit with { Alternatives = v } });
        yield return PipelineKey.Int("fit.refine_steps_per_epoch", "Integration steps per epoch of the window each refinement trial may take (at least 1000); stiff trials over it count as failed and the fit's message says so. 0 = no budget (slow where the best rates are stiff).", 0, (s, v) => s with { Fit = s.Fit with { RefineStepsPerEpoch = v } });
        yield return PipelineKey.Enum<CurveSelection>("fit.curves", "Fitted curves kept in fit/curves: report (the pairs the report shows), all, or none.", (s, v) => s with { Fit = s.Fit with { Curves = v } });

        yield return PipelineKey.Text("report.title", "Title of report.html.", (s, v) => s with { Report = s.Report with { Title = v } });
    }
}
