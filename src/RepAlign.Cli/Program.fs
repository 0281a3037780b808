/// Entry point: parses, dispatches, and maps errors to exit codes (2 bad input, 1 failure during work).
module RepAlign.Cli.Program

open System
open Argu
open RepAlign.Core
open RepAlign.Cli.Arguments

/// Runs the command line with the given arguments and returns the exit code.
[<EntryPoint>]
let main argv =
    // SIGTERM and SIGINT record the running stage as terminated, remove temporary files, release locks, exit 143/130.
    use _signals = RepAlign.Core.Runs.Termination.Install Console.Error
    let parser = ArgumentParser.Create<Command>(programName = "repalign")
    if Console.IsOutputRedirected then Spectre.Console.AnsiConsole.Profile.Width <- 200
    // --verbose may stand anywhere (before or after the subcommand's arguments).
    Terminal.verbose <- argv |> Array.contains "--verbose"
    let argv = argv |> Array.filter (fun a -> a <> "--verbose")
    try
        let results = parser.ParseCommandLine(argv, raiseOnUsage = true)
        match results.GetSubCommand() with
        | Run args -> Commands.run args
        | Fit args -> Commands.fit args
        | Reanalyze args -> Commands.reanalyze args
        | Reproduce args -> Commands.reproduce args
        | Fetch_Mnist args -> Commands.fetchMnist args
        | Inspect args -> Commands.inspect args
        | Runs args -> Commands.runs args
        | Keys _ -> Commands.keys ()
        | Version -> Console.WriteLine(typeof<Command>.Assembly.GetName().Version); 0
        | Verbose -> 0
    with
    | :? ArguParseException as e ->
        if e.ErrorCode = ErrorCode.HelpText then Console.Out.WriteLine e.Message; 0
        else Console.Error.WriteLine e.Message; 2
    | :? RepAlignException as e ->
        Terminal.failure e.Message (Some(e :> exn))
        e.ExitCode
    | :? OperationCanceledException ->
        Terminal.error "cancelled"
        130
    | e ->
        // Anything else is a failure during work: one line (its type and message), the stack only with --verbose; never an abort.
        match e with
        | :? AggregateException as a when a.InnerExceptions.Count = 1 && (a.InnerException :? RepAlignException) ->
            let inner = a.InnerException :?> RepAlignException
            Terminal.failure inner.Message (Some(inner :> exn))
            inner.ExitCode
        | _ ->
            Terminal.failure (RepAlign.Pipelines.Runner.PipelineRunner.Describe e) (Some e)
            1
