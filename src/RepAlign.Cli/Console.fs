/// Progress and messages on the terminal (Spectre.Console).
module RepAlign.Cli.Terminal

open System
open Spectre.Console
open RepAlign.Core.Runs
open RepAlign.Pipelines.Runner

let private esc (s: string) = Markup.Escape s

/// Prints an error in red on standard error.
let error (message: string) = Console.Error.WriteLine($"error: {message}")

/// Whether errors show their stack trace (--verbose anywhere on the command line); set once by main.
let mutable verbose = false

/// Prints a failure as one line on standard error; the exception's stack trace follows only with --verbose.
let failure (message: string) (error: exn option) =
    Console.Error.WriteLine($"error: {message}")
    match error with
    | Some e when verbose -> Console.Error.WriteLine(e.ToString())
    | _ -> ()

/// Prints a line.
let info (message: string) = AnsiConsole.MarkupLine(esc message)

/// An observer that prints stage events and drives progress bars (plain lines when not interactive).
type Observer(ctx: ProgressContext option) =
    interface IRunObserver with
        member _.StageSkipped(stage, reason) = AnsiConsole.MarkupLine($"[grey]· {esc stage}: skipped ({esc reason})[/]")
        member _.StageStarted stage = AnsiConsole.MarkupLine($"[blue]▶ {esc stage}[/]")
        member _.Waiting message = Console.Error.WriteLine($"waiting: {message}")
        member _.StageFinished(stage, record) =
            match record.State with
            | StageState.Done -> AnsiConsole.MarkupLine($"[green]✓ {esc stage}[/] ({record.Seconds:F1} s) {esc record.Message}")
            | _ -> AnsiConsole.MarkupLine($"[red]✗ {esc stage}[/] ({record.Seconds:F1} s) {esc record.Message}")
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
                                Console.Out.WriteLine($"  {label}: {v}/{total}")) }

/// Runs work with live progress bars when the terminal is interactive, plain lines otherwise.
let withProgress (work: IRunObserver -> 'T) : 'T =
    if AnsiConsole.Profile.Capabilities.Interactive && not Console.IsOutputRedirected then
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns([| TaskDescriptionColumn() :> ProgressColumn; ProgressBarColumn(); PercentageColumn(); RemainingTimeColumn() |])
            .Start(fun ctx -> work (Observer(Some ctx)))
    else
        work (Observer None)
