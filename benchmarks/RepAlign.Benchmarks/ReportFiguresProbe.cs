using System.Diagnostics;
using RepAlign.Analysis;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- report-figures RUN [repeats]</c>: what a data-set run's report costs and what drawing its figures in parallel
/// saves. RUN is a finished run folder of <c>pipelines/mnist-pairs.toml</c> (fit and analyze done). Each repeat, in
/// the same process and alternately: the baseline writes the report as before (the page, then every figure's SVG and
/// PNG one after another on one thread); then the report stage's own writer (<c>ReportFiles.write</c>: the figures on
/// every core while the page is rendered). Also timed: reading the tables into the page's sections, the page alone,
/// the figures alone on one thread and on every core, and the CPU seconds of the writer (what an idle machine's cores
/// share). A first, cold pass (the code loaded and compiled, as in a `repalign run` process) is reported apart.
/// Prints each repeat, the medians and the ratios, and checks that the parallel figures are the same bytes as the
/// serial ones.
/// </summary>
public static class ReportFiguresProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || !File.Exists(Path.Combine(args[0], "run.json")))
        {
            Console.Error.WriteLine("usage: report-figures RUN [repeats]  (RUN: a finished mnist-pairs run folder)");
            return 2;
        }
        var run = new RunLayout(Path.GetFullPath(args[0]));
        var repeats = ProbeArgs.Int(args, 1, 5);
        var spec = RunManifest.Read(run.Manifest).Spec;
        using var scratch = ProbeArgs.Folder("report-figures");
        var cores = Environment.ProcessorCount;
        Console.WriteLine($"{run.Root}: {cores} cores; {repeats} repeats after one warm-up");
        var times = new Dictionary<string, List<double>>();
        void Add(string key, double seconds) => (times.TryGetValue(key, out var l) ? l : times[key] = []).Add(seconds);
        var self = Process.GetCurrentProcess();
        double Cpu() { self.Refresh(); return self.TotalProcessorTime.TotalSeconds; }
        for (var r = 0; r <= repeats; r++)
        {
            // The first pass of the process pays for loading and compiling the code: it is what the stage pays in
            // `repalign run`, which starts a process of its own. It runs the stage's writer first, as the stage does.
            if (r == 0)
            {
                var cold = new RunLayout(Path.Combine(scratch.Path, "cold"));
                Directory.CreateDirectory(cold.ReportDir);
                var (cpu0, wall) = (Cpu(), Stopwatch.StartNew());
                var (t0, s0, sections0) = DatasetReportStage.Page(spec, run);
                var (readWall, readCpu) = (wall.Elapsed.TotalSeconds, Cpu() - cpu0);
                ReportFiles.write(cold, t0, s0, sections0);
                Console.WriteLine($"first pass (cold): reading the tables {readWall:F3} s wall, {readCpu:F3} s CPU; with the stage's writer " +
                                  $"{wall.Elapsed.TotalSeconds:F3} s wall, {Cpu() - cpu0:F3} s CPU");
            }
            var clock = Stopwatch.StartNew();
            var (title, subtitle, sections) = DatasetReportStage.Page(spec, run);
            var read = clock.Elapsed.TotalSeconds;
            var figures = HtmlPage.figures(sections);

            var serial = new RunLayout(Path.Combine(scratch.Path, $"serial-{r}"));
            Directory.CreateDirectory(serial.ReportDir);
            clock.Restart();
            File.WriteAllText(serial.Report, HtmlPage.render(title, subtitle, sections));
            var page = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var serialFiles = FigureFiles.saveAll(1, ReportFiles.figuresFolder(serial), figures).ToArray();
            var serialFigures = clock.Elapsed.TotalSeconds;

            var parallel = new RunLayout(Path.Combine(scratch.Path, $"parallel-{r}"));
            Directory.CreateDirectory(parallel.ReportDir);
            clock.Restart();
            var parallelFiles = FigureFiles.saveAll(cores, ReportFiles.figuresFolder(parallel), figures).ToArray();
            var parallelFigures = clock.Elapsed.TotalSeconds;
            var stage = new RunLayout(Path.Combine(scratch.Path, $"stage-{r}"));
            Directory.CreateDirectory(stage.ReportDir);
            var cpu = Cpu();
            clock.Restart();
            ReportFiles.write(stage, title, subtitle, sections);
            var written = clock.Elapsed.TotalSeconds;
            var writerCpu = Cpu() - cpu;

            var same = serialFiles.Length == parallelFiles.Length && serialFiles.Zip(parallelFiles)
                .All(p => File.ReadAllBytes(p.First).AsSpan().SequenceEqual(File.ReadAllBytes(p.Second)));
            if (!same || serialFiles.Length == 0) throw new InvalidOperationException("the parallel figures differ from the serial ones");
            var line = $"read {read:F3} s; page {page:F3} s; {figures.Length} figures serial {serialFigures:F3} s, on {cores} cores {parallelFigures:F3} s; " +
                       $"before (page + serial figures) {page + serialFigures:F3} s; the stage's writer {written:F3} s ({writerCpu:F3} s CPU; + read)";
            if (r == 0) { Console.WriteLine($"warm-up: {line}"); continue; }
            Console.WriteLine($"repeat {r}: {line}");
            Add("read", read); Add("page", page); Add("serial", serialFigures); Add("parallel", parallelFigures);
            Add("before", page + serialFigures); Add("writer", written); Add("writer-cpu", writerCpu);
        }
        double M(string key) => ProbeArgs.Median(times[key]);
        Console.WriteLine($"median: read {M("read"):F3} s; page {M("page"):F3} s; figures serial {M("serial"):F3} s, parallel {M("parallel"):F3} s " +
                          $"(parallel / serial = {M("parallel") / M("serial"):F2}); before {M("before"):F3} s, writer {M("writer"):F3} s " +
                          $"(writer / before = {M("writer") / M("before"):F2}; writer CPU {M("writer-cpu"):F3} s); parallel figures identical to serial: yes");
        return 0;
    }
}
