/// Progress of a run as F# values, delivered to a callback instead of the console.
namespace RepAlign.FSharp

open System
open RepAlign.Core.Runs
open RepAlign.Pipelines.Runner

/// One event of a run, in the order the runner raises them.
type Progress =
    /// A stage was skipped: its name and why (cache hit, outside --from/--to).
    | StageSkipped of stage: string * reason: string
    /// A stage started.
    | StageStarted of stage: string
    /// A stage finished (done or failed) with its manifest record.
    | StageFinished of stage: string * record: StageRecord
    /// Long work advanced: its label, items done, items in total.
    | Advanced of label: string * completed: int64 * total: int64

/// Adapts a callback to the runner's observer interface.
module Progress =
    /// An observer that hands every event to the callback (from any thread: parallel fits report concurrently).
    let observer (callback: Progress -> unit) : IRunObserver =
        { new IRunObserver with
            member _.StageSkipped(stage, reason) = callback (StageSkipped(stage, reason))
            member _.StageStarted stage = callback (StageStarted stage)
            member _.StageFinished(stage, record) = callback (StageFinished(stage, record))
            member _.Progress(label, total) =
                { new IProgress<int64> with
                    member _.Report completed = callback (Advanced(label, completed, total)) } }

    /// The observer used when no callback is given: reports nothing, writes nothing to the console.
    let silent : IRunObserver = SilentObserver.Instance
