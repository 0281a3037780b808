using BenchmarkDotNet.Running;

namespace RepAlign.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/RepAlign.Benchmarks -- --filter '*Theory*'</c>
/// (BenchmarkDotNet's switcher), or one of the console probes:
/// <c>-- extract-peak [args]</c> (GFLOP/s against ONNX Runtime's own 2048² MatMul, same run) and
/// <c>-- extract-memory [checkpoints] [pairs] [batch] [workers]</c> (peak memory of a bulk extraction),
/// <c>-- fit-table [trajectories] [epochs] [repeats]</c> (fits per second from one long CSV against the fit stage),
/// <c>-- fit-profile PAIRS.parquet</c> (the fit on real trajectories, reference against fast), <c>-- fit-golden</c> (the
/// fit's golden table), <c>-- scale</c> (extract + fit + analyze at 450, 4,500 and 45,000 pairs),
/// <c>-- report-figures [layers] [epochs] [repeats]</c> (seconds per SVG + PNG report figure against the HTML page),
/// <c>-- hash-cache [FILE] [repeats]</c> (a large input's content hash cold against from the cache file),
/// <c>-- main-job [warm-runs] [pipeline] [--set=key=value]…</c> (the main job's fsync and warm-run hashing costs, each run a process).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args) => args switch
    {
        ["extract-peak", .. var rest] => ExtractPeakProbe.Run(rest),
        ["extract-memory", .. var rest] => ExtractMemoryProbe.Run(rest),
        ["fit-table", .. var rest] => FitTableProbe.Run(rest),
        ["fit-profile", .. var rest] => FitProfileProbe.Run(rest),
        ["fit-golden", .. var rest] => FitProfileProbe.Golden(rest),
        ["scale", .. var rest] => ScaleBenchmark.Run(rest),
        ["report-figures", .. var rest] => ReportFiguresProbe.Run(rest),
        ["hash-cache", .. var rest] => HashCacheProbe.Run(rest),
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
