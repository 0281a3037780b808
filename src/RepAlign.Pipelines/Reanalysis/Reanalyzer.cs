using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Inference.Graphs;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Pipelines.Reanalysis;

/// <summary>Reanalyses stored checkpoints (RepAlign's or any exporter's) without retraining: extract → fit → analyze → report.</summary>
public static class Reanalyzer
{
    /// <summary>Checks everything, then runs the stages in <see cref="ReanalyzeRequest.Out"/>; bad input writes nothing.</summary>
    /// <param name="request">The command's arguments.</param>
    /// <param name="set">The host's stages (analysis and report); the graph is the reanalysis family's (<see cref="StageGraph.ForReanalysis"/>).</param>
    /// <param name="observer">Progress and stage events.</param>
    /// <param name="cancellation">Cancellation.</param>
    /// <param name="info">Receives what was read before work starts (the epochs and steps of the first and last files); null = nowhere.</param>
    /// <remarks>Foreign weight files (<see cref="ReanalyzeRequest.Model"/>) are read by the training core's <see cref="ITrainingCore.WeightImporter"/>; a build without one reads ONNX checkpoints only.</remarks>
    public static RunResult Run(ReanalyzeRequest request, StageSet set, IRunObserver observer, CancellationToken cancellation = default,
        Action<string>? info = null)
    {
        var (checkpointDir, run) = Locate(request.Checkpoints);
        var naming = new CheckpointNaming
        {
            Pattern = request.EpochPattern is { } pattern ? CheckpointName.Pattern(pattern) : null,
            Time = request.Time,
        };
        var importer = set.Training?.WeightImporter;
        var model = ForeignModel(request, checkpointDir, run, importer);
        void Tell(IReadOnlyList<CheckpointFile> files) => info?.Invoke(Describe(files, naming));
        var source = model is null
            ? CheckpointSource.Onnx(checkpointDir, naming, Tell)
            : CheckpointSource.Import(checkpointDir, naming, importer!, model, request.ParamMap, Tell);
        var checkpoints = source.Checkpoints;
        var graph = source.Graph;

        var spec = BuildSpec(request, run?.Spec, model);
        CheckInput(graph, request.Input, checkpoints[0].Path);
        var layers = model is not null && request.Layers is null
            ? graph.Outputs.Select(o => o.Name).Where(n => n != OnnxNames.Output).ToArray() // every hidden layer of the spec's network
            : ResolveLayers(graph, request.Layers, run?.Spec, checkpoints[0].Path);
        var prediction = graph.Outputs.Select(o => o.Name).LastOrDefault(n => !layers.Contains(n))
                         ?? Throw.BadInput<string>($"{checkpoints[0].Path}: no graph output left for the prediction once the layers {string.Join(", ", layers)} are taken");
        MnistData.Load(spec.Data); // bad data fails here, before anything is written
        Core.Data.PairSelection.Parse(spec.Extract.Pairs);

        var stages = StageGraph.ForReanalysis(new ReanalyzeExtractStage(source, layers, prediction), set);
        var runRequest = new RunRequest
        {
            Pipeline = $"reanalyze {request.Checkpoints}",
            Out = request.Out,
            Csv = request.Csv,
            To = request.To,
            Rehash = request.Rehash,
            Inputs = source.Hashes,
            Checkpoints = checkpoints.Select(c => new ReadCheckpoint(Path.GetFullPath(c.Path), c.Epoch, c.Step)).ToArray(),
        };
        return PipelineRunner.RunOne(runRequest, spec, new RunLayout(Path.GetFullPath(request.Out)), stages, observer, cancellation);
    }

    /// <summary>The model spec foreign weight files are read into (<c>--model</c>), or null for ONNX checkpoints; bad combinations stop here.</summary>
    private static ModelSpec? ForeignModel(ReanalyzeRequest request, string dir, RunManifest? run, IWeightImporter? importer)
    {
        var extensions = importer?.Extensions ?? []; // without an importer, a folder of weight files is just one without ONNX files
        if (request.Model is null)
        {
            if (request.ParamMap is not null) Throw.BadInput("--param-map: given without --model; it names the tensors of PyTorch weight files, which need --model SPEC.toml");
            var hasOnnx = Directory.EnumerateFiles(dir).Any(f => string.Equals(Path.GetExtension(f), ".onnx", StringComparison.OrdinalIgnoreCase));
            var weights = Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).FirstOrDefault(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase));
            if (!hasOnnx && weights is not null)
                Throw.BadInput($"--checkpoints {dir}: holds PyTorch weight files ({Path.GetFileName(weights)}, …) and no ONNX checkpoints; give --model SPEC.toml, a pipeline file or a file with only a [model] table describing the network they belong to");
            return null;
        }
        if (run is not null) Throw.BadInput($"--model {request.Model}: {request.Checkpoints} is a RepAlign run, whose checkpoints are ONNX files of its own spec; --model is for folders of PyTorch weight files");
        if (importer is null) Throw.BadInput($"--model {request.Model}: reading PyTorch weight files needs the training core, and this repalign is the extraction build without it; export the weights to ONNX, or use the full build");
        var spec = PipelineFile.Load(request.Model);
        return spec.Model;
    }
    /// <summary>What the names gave for the first and last checkpoints, so a misread name shows before any work.</summary>
    private static string Describe(IReadOnlyList<CheckpointFile> checkpoints, CheckpointNaming naming)
    {
        static string One(CheckpointFile c) =>
            $"{Path.GetFileName(c.Path)} → {(c.Epoch >= 0 ? $"epoch {c.Epoch}" : "no epoch")}{(c.Step is { } s ? $", step {s}" : "")}";
        var rule = naming.Pattern is null ? "epoch=N, epoch-N, epoch_N, epN, else the last number" : $"--epoch-pattern {naming.Pattern}";
        var axis = naming.Time == TimeAxis.Step ? "steps" : "epochs";
        return checkpoints.Count == 1
            ? $"1 checkpoint ({rule}): {One(checkpoints[0])}"
            : $"{checkpoints.Count} checkpoints by {axis} ({rule}): first {One(checkpoints[0])}; last {One(checkpoints[^1])}";
    }

    /// <summary>A checkpoint folder and, when it belongs to a RepAlign run, that run's manifest.</summary>
    private static (string Folder, RunManifest? Run) Locate(string path)
    {
        if (!Directory.Exists(path)) Throw.BadInput($"{path}: no such folder, expected a folder of ONNX checkpoints or PyTorch weight files, or a RepAlign run folder");
        var manifest = Path.Combine(path, "run.json");
        if (File.Exists(manifest)) return (Path.Combine(path, "checkpoints"), RunManifest.Read(manifest));
        var parent = Path.Combine(Path.GetFullPath(path), "..", "run.json");
        return File.Exists(parent) ? (path, RunManifest.Read(parent)) : (path, null);
    }

    private static ExperimentSpec BuildSpec(ReanalyzeRequest request, ExperimentSpec? run, ModelSpec? model)
    {
        var dataset = run is not null && Families.Of(run) == ExperimentFamily.Dataset;
        if (run is not null && !dataset && request.Data is null)
            Throw.BadInput($"{request.Checkpoints}: the run's data set is '{SnakeCase.Of(run.Data.Kind)}'; reanalysis measures MNIST pairs, so give --data DIR");
        var data = dataset ? run!.Data : new DataSpec { Kind = DataKind.Mnist, HeldOut = 0 };
        if (request.Data is null && !dataset)
            Throw.BadInput("--data: missing; expected the folder of the MNIST IDX files the checkpoints were trained on");
        if (request.Data is { } dir) data = data with { Path = dir };
        var spec = new ExperimentSpec
        {
            Name = "reanalyze",
            Data = data with { Kind = DataKind.Mnist },
            Model = model ?? run?.Model ?? new ModelSpec(),
            Train = (run?.Train ?? new TrainSpec()) with { Seed = request.Seed },
            Extract = new ExtractSpec { Pairs = request.Pairs ?? run?.Extract.Pairs ?? "per-class-pair:10" },
            Fit = (run?.Fit ?? new FitSpec { FitLoss = false }) with { Time = request.Time },
        };
        if (request.Normalize is { } n) spec = spec with { Data = spec.Data with { Normalize = n } };
        return spec with { Extract = spec.Extract with { Device = request.Device } };
    }

    private static void CheckInput(GraphInfo info, string? input, string path)
    {
        var names = info.Inputs.Select(i => i.Name).ToArray();
        if (input is not null && !names.Contains(input))
            Throw.BadInput($"--input {input}: {path} has no input of that name; its inputs are {string.Join(", ", names)}");
        if (names.Length != 1)
            Throw.BadInput($"{path}: the graph has {names.Length} inputs ({string.Join(", ", names)}), expected one image input");
        var width = info.Inputs[0].RowWidth;
        if (width is { } w && w != Core.Data.MnistDataset.PixelCount)
            Throw.BadInput($"{path}: input {names[0]} takes {w} values per example, the data has {Core.Data.MnistDataset.PixelCount} (28×28 MNIST images)");
    }

    private static IReadOnlyList<string> ResolveLayers(GraphInfo info, IReadOnlyList<string>? requested, ExperimentSpec? run, string path)
    {
        if (requested is null && run is not null)
            return TrackedLayers.Of(run).Select(OnnxNames.Hidden).ToArray();
        if (requested is null || requested is ["auto"])
        {
            if (info.AutoProblems.Count > 0)
                Throw.BadInput($"--layers auto: {path}: cannot choose the layers: {string.Join("; ", info.AutoProblems)}. "
                    + $"Nonlinearity values found: {string.Join(", ", info.Candidates.Where(c => c.Kind == CandidateKind.Nonlinearity).Select(c => $"'{c.Name}' ({c.Operator})"))}; "
                    + "name the layers instead: --layers NAME,NAME (see 'repalign inspect')");
            if (info.AutoLayers.Count == 0)
                Throw.BadInput($"{path}: no nonlinearity outputs found for --layers auto; name the layers (candidates: {Candidates(info, "")})");
            return info.AutoLayers.Select(c => c.Name).ToArray();
        }
        foreach (var name in requested)
        {
            if (!info.ComputedValues.Contains(name))
                Throw.BadInput($"--layers {name}: {path} computes no value of that name; candidates: {Candidates(info, name)}");
        }
        return requested;
    }

    private static string Candidates(GraphInfo info, string name) => Suggest.NearestFirst(name, info.Candidates.Select(c => c.Name), 20);
}
