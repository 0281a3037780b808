using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Stages;

/// <summary>What the extract stages (a native run's and reanalyze's) ask of ONNX Runtime, built from a spec's [extract] table.</summary>
public static class ExtractRequests
{
    /// <summary>Inference options for a spec's [extract] table.</summary>
    public static InferenceOptions Options(ExtractSpec extract) => new()
    {
        Device = extract.Device,
        Threads = extract.Threads > 0 ? extract.Threads : 1, // 0: single-threaded runs, one per core (bulk extraction's workers)
    };

    /// <summary>The bulk extraction of a spec's pairs over checkpoints into the run's pairs (and probe) tables; callers set the layers.</summary>
    public static BulkExtractRequest Mnist(StageContext context, MnistData data, PairSet selection, IReadOnlyList<(int Epoch, string Path)> checkpoints)
    {
        var spec = context.Spec;
        var layout = context.Layout;
        return new BulkExtractRequest
        {
            Checkpoints = checkpoints,
            Images = data.Train.Images,
            InputWidth = MnistDataset.PixelCount,
            Targets = data.Train.OneHotTargets(),
            TargetWidth = MnistDataset.ClassCount,
            Labels = data.Train.Labels.Select(l => (int)l).ToArray(),
            HeldOutImages = data.HeldOut.Images, // the network's held-out accuracy per checkpoint, in the same sessions
            HeldOutLabels = data.HeldOut.Labels.Select(l => (int)l).ToArray(),
            Pairs = selection.Pairs,
            Inference = Options(spec.Extract),
            BatchSize = spec.Extract.BatchSize,
            OutputParquet = layout.Pairs,
            ProbeParquet = spec.Extract.LinearProbe ? layout.Probe : null,
            ProbeSeed = spec.Train.Seed,
            ProbeEvery = spec.Extract.ProbeEvery,
            Workers = spec.Extract.Threads > 0 ? 1 : Environment.ProcessorCount, // one single-threaded run per core is fastest for these small networks
            Csv = context.Csv,
            Metadata = new Dictionary<string, string> { ["repalign.pairs"] = selection.Canonical, ["repalign.pairs.description"] = selection.Description },
        };
    }
}
