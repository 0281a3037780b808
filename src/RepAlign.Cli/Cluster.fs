/// --executor slurm for run and reproduce: submits through RepAlign.Pipelines.Cluster and prints what was submitted.
module RepAlign.Cli.Cluster

open System
open System.IO
open Spectre.Console
open RepAlign.Core
open RepAlign.Pipelines.Cluster

/// The executor named by --executor: true for slurm, false for local; anything else is bad input.
let isSlurm (executor: string option) (slurmOpts: string list) =
    match executor |> Option.defaultValue "local" with
    | "local" ->
        if not slurmOpts.IsEmpty then Throw.BadInput "--slurm-opt: only with --executor slurm"
        false
    | "slurm" -> true
    | other -> Throw.BadInput<bool>($"--executor: found '{other}', expected local or slurm")

/// The settings from --slurm-opt and --shards.
let settings (slurmOpts: string list) (shards: int option) =
    SlurmSettings(Options = SlurmSettings.Split slurmOpts, Shards = Option.defaultValue 4 shards)

/// Prints the jobs of a submission and where to follow them.
let printSubmission (t: Terminal.Terminal) (submission: Submission) =
    t.Info submission.Message
    for job in submission.Jobs do
        let tasks = if job.Tasks.Count = 0 then "" else $" array {SlurmBatch.Ranges job.Tasks}"
        let after = if job.Dependency = "" then "" else $" after {job.Dependency}"
        t.Info($"submitted {job.Role}: job {job.JobId}{tasks}{after}; log {job.Log}")
    t.Info($"follow it with: repalign runs {Path.GetDirectoryName submission.Root}")

/// The other experiments' jobs each experiment waits for: XOR takes its rates from the 50 default-rate runs that
/// final-distance trains under final-distance/rates, so it waits for final-distance when both are submitted (afterany:
/// when final-distance failed after its rate runs, XOR still uses them; when they are missing, XOR trains them itself).
let reproduceDependencies : Map<string, string list> = Map [ "xor", [ "final-distance" ] ]

/// Submits a reproduction: one job per experiment (each runs `repalign reproduce --only NAME` into the same folder, so
/// finished stages are skipped), then a report job after all of them (afterany: failed experiments are reported as failed).
let submitReproduce (t: Terminal.Terminal) (settings: SlurmSettings) (out: string) (names: string list) (common: string list) =
    Slurm.RequireSbatch()
    use _submitting = RepAlign.Core.Runs.RunLock.Acquire(out, false) // one submission at a time
    let previous = SlurmExecutor.Settle out // refuses while earlier experiment jobs are queued or running
    let batch = SlurmBatch(out, settings)
    let mutable ids = Map.empty
    for name in names do
        let after = reproduceDependencies |> Map.tryFind name |> Option.defaultValue [] |> List.choose (fun d -> Map.tryFind d ids)
        let job = batch.Submit("experiment-" + name, [| yield "reproduce"; yield "--only"; yield name; yield! common |], [||], List.toArray after, "afterany", Nullable())
        ids <- ids.Add(name, job.JobId)
    let all = names |> List.map (fun n -> ids[n]) |> List.toArray
    batch.Submit("report", [| yield "reproduce"; yield "--only"; yield String.Join(",", names); yield! common |], [||], all, "afterany", Nullable()) |> ignore
    ClusterJobs.Write(out, Seq.append previous batch.Jobs |> Seq.toArray)
    printSubmission t (Submission(out, batch.Jobs, $"{out}: {names.Length} experiments submitted, then the report job"))
    0

/// The Slurm jobs recorded under a run store, with their states and logs (nothing when none were submitted).
let printJobs (t: Terminal.Terminal) (root: string) =
    let rows = ClusterStatus.Rows root
    if rows.Count > 0 then
        let table = Table().AddColumns("folder", "job", "role", "state (Slurm)", "log")
        for r in rows do
            table.AddRow(Markup.Escape r.Folder, r.Id, Markup.Escape r.Role, Markup.Escape r.State, Markup.Escape r.Log) |> ignore
        t.Console.Write table
    rows.Count
