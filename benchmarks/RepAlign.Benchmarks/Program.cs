using BenchmarkDotNet.Running;

namespace RepAlign.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/RepAlign.Benchmarks -- --filter '*Theory*'</c>
/// (BenchmarkDotNet's switcher), or one of the console probes:
/// <c>-- extract-peak [args]</c> (GFLOP/s against ONNX Runtime's own 2048² MatMul, same run) and
/// <c>-- extract-memory [checkpoints] [pairs] [batch] [workers]</c> (peak memory of a bulk extraction),
/// <c>-- extract-run CHECKPOINT_DIR [repetitions] [workers]</c> (a run's checkpoints: session per checkpoint against weight-swap sessions),
/// <c>-- fit-table [trajectories] [epochs] [repeats]</c> (fits per second from one long CSV against the fit stage),
/// <c>-- fit-profile PAIRS.parquet</c> (the fit on real trajectories, reference against fast), <c>-- fit-golden</c> (the
/// fit's golden table), <c>-- scale</c> (extract + fit + analyze at 450, 4,500 and 45,000 pairs),
/// <c>-- report-figures RUN [repeats]</c> (a data-set run's report: figures drawn in parallel against one after another),
/// <c>-- hash-cache [FILE] [repeats]</c> (a large input's content hash cold against from the cache file),
/// <c>-- train-profile [rounds] [mnist-folder]</c> (a training step's phases against same-run SGEMM and copy bandwidth),
/// <c>-- train-run mnist|two-point [epochs] [mnist-folder] [reference]</c> (the trainer alone, for dotnet-trace and dotnet-counters),
/// <c>-- two-point-phases [steps] [rounds]</c> (the fast two-point step phase by phase, its kernels alone and the same-run floor),
/// <c>-- fused-update [rounds]</c> (the SGD update by δᵀ·x in one pass against addmm_ and add_, 1 to 64 rows),
/// <c>-- linear-probe RUN_FOLDER [every]</c> (the linear probes of a finished MNIST run, before against now),
/// <c>-- coverage [per-cell] [seed] [issue|study]</c> (coverage of the fit's 95 % rate intervals on synthetic trajectories),
/// <c>-- fit-options PAIRS.parquet [repeats]</c> (the cost of fit.initial = fitted and fit.alternatives = true against the default fit),
/// <c>-- fit-budget PAIRS.parquet…</c> (the refinement's step budget against none: seconds and identical fits),
/// <c>-- pytorch-import [checkpoints] [images] [repeats] [width] [depth]</c> (PyTorch weights run through in-memory
/// ONNX against TorchSharp's forward pass),
/// <c>-- main-job [warm-runs] [pipeline] [--set=key=value]…</c> (the main job's fsync and warm-run hashing costs, each run a process).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => args switch
    {
        ["extract-peak", .. var rest] => ExtractPeakProbe.Run(rest),
        ["extract-memory", .. var rest] => ExtractMemoryProbe.Run(rest),
        ["extract-run", .. var rest] => ExtractRunProbe.Run(rest),
        ["fit-table", .. var rest] => FitTableProbe.Run(rest),
        ["fit-profile", .. var rest] => FitProfileProbe.Run(rest),
        ["fit-golden", .. var rest] => FitProfileProbe.Golden(rest),
        ["scale", .. var rest] => ScaleBenchmark.Run(rest),
        ["report-figures", .. var rest] => ReportFiguresProbe.Run(rest),
        ["hash-cache", .. var rest] => HashCacheProbe.Run(rest),
        ["train-profile", .. var rest] => TrainProfileProbe.Run(rest),
        ["train-run", .. var rest] => TrainProfileProbe.RunTrainer(rest),
        ["two-point-phases", .. var rest] => TwoPointPhasesProbe.Run(rest),
        ["fused-update", .. var rest] => FusedUpdateProbe.Run(rest),
        ["linear-probe", .. var rest] => LinearProbeProbe.Run(rest),
        ["coverage", .. var rest] => CoverageProbe.Run(rest),
        ["fit-options", .. var rest] => FitOptionsProbe.Run(rest),
        ["fit-budget", .. var rest] => FitProfileProbe.Budget(rest),
        ["pytorch-import", .. var rest] => PyTorchImportProbe.Run(rest),
        ["main-job", .. var rest] => MainJobProbe.Run(rest),
        ["main-job-child", .. var rest] => MainJobProbe.RunChild(rest),
        _ => Switch(args),
    };

    private static int Switch(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
