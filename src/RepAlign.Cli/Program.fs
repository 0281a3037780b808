/// Entry point: parses, dispatches, and maps errors to exit codes (2 bad input, 1 failure during work).
module RepAlign.Cli.Program

open System
open System.IO
open Argu
open RepAlign.Core
open RepAlign.Cli.Arguments
open RepAlign.Cli.Terminal

/// Runs the command line with the given arguments, writing only to the given writers, and returns the exit code.
/// `interactive` draws live progress bars and colours (a terminal); tests and scripts pass false.
let run (argv: string[]) (stdout: TextWriter) (stderr: TextWriter) (interactive: bool) : int =
    let parser = ArgumentParser.Create<Command>(programName = "repalign")
    // --verbose may stand anywhere (before or after the subcommand's arguments).
    let verbose = argv |> Array.contains "--verbose"
    let argv = argv |> Array.filter (fun a -> a <> "--verbose")
    let t = Terminal(stdout, stderr, interactive, verbose)
    try
        let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match results.GetSubCommand() with
        | Run args -> Commands.run t args
        | Fit args -> Commands.fit t args
        | Reanalyze args -> Commands.reanalyze t args
        | Export args -> PyTorch.export t args
        | Reproduce args -> Commands.reproduce t args
        | Fetch_Mnist args -> Commands.fetchMnist t args
        | Inspect args -> Commands.inspect t args
        | Runs args -> Commands.runs t args
        | Keys _ -> Commands.keys t
        | Version -> stdout.WriteLine(typeof<Command>.Assembly.GetName().Version); 0
        | Verbose -> 0
    with
    | :? ArguParseException as e ->
        if e.ErrorCode = ErrorCode.HelpText then stdout.WriteLine e.Message; 0
        else stderr.WriteLine e.Message; 2
    | :? RepAlignException as e ->
        t.Failure(e.Message, Some(e :> exn))
        e.ExitCode
    | :? OperationCanceledException ->
        t.Error "cancelled"
        130
    | e ->
        // Anything else is a failure during work: one line (its type and message), the stack only with --verbose; never an abort.
        match e with
        | :? AggregateException as a when a.InnerExceptions.Count = 1 && (a.InnerException :? RepAlignException) ->
            let inner = a.InnerException :?> RepAlignException
            t.Failure(inner.Message, Some(inner :> exn))
            inner.ExitCode
        | _ ->
            t.Failure(RepAlign.Pipelines.Runner.PipelineRunner.Describe e, Some e)
            1

/// The process entry point: the command line on the process's own standard output and error.
[<EntryPoint>]
let main argv =
    // SIGTERM and SIGINT record the running stage as terminated, remove temporary files, release locks, exit 143/130.
    RepAlign.Core.Runs.Termination.Install Console.Error
    let interactive = not Console.IsOutputRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
    let code = run argv Console.Out Console.Error interactive
    // From here a late signal (the command is done and recorded) ends the exit with this code, not a silent 143.
    RepAlign.Core.Runs.Termination.Finished code
    code
