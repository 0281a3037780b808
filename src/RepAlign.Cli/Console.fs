/// Where the command line writes: the writers it was given (never the process-wide Console), with Spectre.Console
/// tables and, on an interactive terminal, live progress bars.
module RepAlign.Cli.Terminal

open System
open System.IO
open Spectre.Console
open RepAlign.Core.Runs
open RepAlign.Pipelines.Runner

let private esc (s: string) = Markup.Escape s

/// The output of one command-line invocation: standard output and error as writers, whether they are an interactive
/// terminal (live progress bars, colours) and whether errors show their stack trace (--verbose).
type Terminal(out: TextWriter, err: TextWriter, interactive: bool, verbose: bool) =
    let console =
        let settings =
            AnsiConsoleSettings(
                Out = AnsiConsoleOutput(out),
                Ansi = (if interactive then AnsiSupport.Detect else AnsiSupport.No),
                ColorSystem = (if interactive then ColorSystemSupport.Detect else ColorSystemSupport.NoColors),
                Interactive = (if interactive then InteractionSupport.Yes else InteractionSupport.No))
        let c = AnsiConsole.Create settings
        // Redirected output is read by scripts and logs: wide lines, no wrapping at a guessed terminal width.
        if not interactive then c.Profile.Width <- 200
        c

    /// Standard output.
    member _.Out = out

    /// Standard error.
    member _.Err = err

    /// The Spectre.Console console on standard output (tables).
    member _.Console : IAnsiConsole = console

    /// Whether standard output is an interactive terminal.
    member _.Interactive = interactive

    /// Whether errors show their stack trace.
    member _.Verbose = verbose

    /// Prints a line on standard output.
    member _.Info(message: string) = console.MarkupLine(esc message)

    /// Prints an error on standard error.
    member _.Error(message: string) = err.WriteLine($"error: {message}")

    /// Prints a failure as one line on standard error; the exception's stack trace follows only with --verbose.
    member _.Failure(message: string, error: exn option) =
        err.WriteLine($"error: {message}")
        match error with
        | Some e when verbose -> err.WriteLine(e.ToString())
        | _ -> ()

    /// Prints a waiting notice on standard error.
    member _.Waiting(message: string) = err.WriteLine($"waiting: {message}")

/// An observer that prints stage events and drives progress bars (plain lines when not interactive).
type Observer(t: Terminal, ctx: ProgressContext option) =
    interface IRunObserver with
        member _.StageSkipped(stage, reason) = t.Console.MarkupLine($"[grey]· {esc stage}: skipped ({esc reason})[/]")
        member _.StageReason(stage, reason) = t.Console.MarkupLine($"[grey]· {esc stage}: runs ({esc reason})[/]")
        member _.StageStarted stage = t.Console.MarkupLine($"[blue]▶ {esc stage}[/]")
        member _.Waiting message = t.Waiting message
        member _.StageFinished(stage, record) =
            match record.State with
            | StageState.Done -> t.Console.MarkupLine($"[green]✓ {esc stage}[/] ({record.Seconds:F1} s) {esc record.Message}")
            | _ -> t.Console.MarkupLine($"[red]✗ {esc stage}[/] ({record.Seconds:F1} s) {esc record.Message}")
        member _.Progress(label, total) =
            match ctx with
            | Some c ->
                let task = c.AddTask(esc label, true, float (max 1L total))
                { new IProgress<int64> with member _.Report v = task.Value <- float v }
            | None ->
                let mutable lastTenth = -1L
                let gate = obj ()
                { new IProgress<int64> with
                    member _.Report v =
                        let tenth = if total <= 0L then 10L else v * 10L / total
                        lock gate (fun () ->
                            if tenth > lastTenth then
                                lastTenth <- tenth
                                t.Out.WriteLine($"  {label}: {v}/{total}")) }

/// Runs work with live progress bars when the terminal is interactive, plain lines otherwise.
let withProgress (t: Terminal) (work: IRunObserver -> 'T) : 'T =
    if t.Interactive then
        t.Console.Progress()
            .AutoClear(false)
            .Columns([| TaskDescriptionColumn() :> ProgressColumn; ProgressBarColumn(); PercentageColumn(); RemainingTimeColumn() |])
            .Start(fun ctx -> work (Observer(t, Some ctx)))
    else
        work (Observer(t, None))
