/// The MNIST experiments of docs/theory.md §3: the digit pair (item 3) and the structure prediction (item 8).
module RepAlign.Reproduction.MnistExperiments

open System
open RepAlign.Core.Data
open RepAlign.Core.Tables
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Stages
open RepAlign.Theory
open RepAlign.Analysis
open RepAlign.Reproduction.Evidence
open RepAlign.Reproduction.Runs

/// The --set overrides that point an MNIST pipeline at the chosen data; a folder with the official test files trains
/// on every training image (data.held_out = 0) and measures accuracy on the test images, as the reference does.
let private data (ctx: Context) =
    match ctx.Mnist with
    | Some path when MnistData.HasTestFiles path -> [ "data.path=" + path; "data.held_out=0" ]
    | Some path -> [ "data.path=" + path ]
    | None -> []

/// The paper's reference run's validation accuracy (all 60,000 training digits).
let referenceAccuracy = 0.874

/// Item 3: a 0 and a 1 followed at hidden layer 2 (among every class pair and layer of the main job).
let mnistPairs ctx =
    let name = "mnist-pairs"
    let run = runPipeline ctx "mnist-pairs.toml" name (data ctx) |> List.head
    let accuracy = TableFile.Read<AccuracyRow>(run.Layout.Accuracy) |> Seq.maxBy (fun a -> a.Epoch)
    let layer = 2
    let zeroOne = fits run |> Array.filter (fun f -> f.Layer = layer && min f.LabelA f.LabelB = 0 && max f.LabelA f.LabelB = 1) |> Array.sortBy (fun f -> f.Pair)
    let atLayer = fits run |> Array.filter (fun f -> f.Layer = layer)
    let fraction = if atLayer.Length = 0 then nan else float (atLayer |> Array.filter FitFrames.describedWell |> Array.length) / float atLayer.Length
    let rows =
        [ judged name "accuracy after training" accuracy.Accuracy $"{referenceAccuracy} (reference run: all 60,000 digits, the 10,000 test digits)" (fun v -> abs (v - referenceAccuracy) <= 0.05)
              (let images = if run.Spec.Data.HeldOut = 0 then "official test images (t10k)" else "held-out training images" in
               $"{accuracy.Images} {images} of {run.Spec.Data.Path}, after training on {(MnistData.Load run.Spec.Data).Train.Count}; within 0.05 counts as agreeing")
          judged name "median R² of h, 0–1 pairs at layer 2" (zeroOne |> Array.map (fun f -> f.R2H) |> FitFrames.median) "≥ 0.9: the paper fits its 0–1 pair well" (fun v -> v >= 0.9) $"{zeroOne.Length} pairs of a 0 and a 1"
          judged name "median R² of y, 0–1 pairs at layer 2" (zeroOne |> Array.map (fun f -> f.R2Y) |> FitFrames.median) "≥ 0.9" (fun v -> v >= 0.9) ""
          reported name "fraction of all pairs described well at layer 2" fraction $"converged with R² of h and y ≥ {FitFrames.DescribedWellR2}, over {atLayer.Length} pairs of every class pair" ]
    // The paper's pair: a 0 and a 1 at layer 2; a run without one (a small smoke run) shows its first pair at layer 2.
    let paper =
        let shown = zeroOne |> Array.tryHead |> Option.orElse (atLayer |> Array.sortBy (fun f -> f.Pair) |> Array.tryHead)
        match shown with
        | Some f ->
            let rows = PaperFigures.trajectoryOf (curves run) f.Pair layer
            let title quantity = $"images {f.A} (a {f.LabelA}) and {f.B} (a {f.LabelB}), layer {layer}: {quantity}"
            PaperFigures.figure name 3
                [ PaperFigures.trajectory (title "h") Trajectories.h rows
                  PaperFigures.trajectory (title "y") Trajectories.y rows
                  PaperFigures.trajectory (title "w") Trajectories.w rows ]
        | None -> RepAlign.Analysis.Figure.noPanels name
    let r2 = zeroOne |> Array.tryHead |> Option.map (fun f -> fmtValue f.R2H) |> Option.defaultValue "–"
    { Name = name
      Sentence = $"The first tracked pair of a 0 and a 1 at hidden layer 2, measured against the fitted theory (R² of h = {r2}); held-out accuracy {fmtValue accuracy.Accuracy} against the reference run's {referenceAccuracy} on all of MNIST."
      Rows = rows
      Figure = paper
      Seconds = 0.0 }

/// How many images the structure prediction compares.
let structureImages = 100

/// How many training images the notebook's prediction is computed over (N; the smoke profile takes 1,000).
let structureN profile = match profile with Profile.Paper -> 10000 | Profile.Smoke -> 1000

/// Item 8: the representational structure of 100 digits predicted from the data's input-output structure, as the
/// mnist_structure notebook computes it: raw pixels (0–255) and one-hot labels of the first N = 10,000 training images,
/// P = exp(−A)·A·exp(−A) over all N, then the block of the first 100 images sorted by label.
let mnistStructure ctx =
    let name = "mnist-structure"
    let runs = runPipeline ctx "mnist-structure.toml" name (data ctx)
    let spec = runs.Head.Spec
    let train = (MnistData.Load spec.Data).Train
    let order = Array.init (min structureImages train.Count) id |> Array.sortBy (fun i -> train.Labels[i]) // stable: by label, then index
    let n = order.Length
    let labels = order |> Array.map (fun i -> int train.Labels[i])
    let count = min (structureN ctx.Profile) train.Count
    let pixels = train.Pixels.Slice(0, count * MnistDataset.PixelCount).ToArray()
    let rawRows = Array.init count (fun i -> Array.init MnistDataset.PixelCount (fun k -> int pixels[i * MnistDataset.PixelCount + k]))
    let allLabels = Array.init count (fun i -> int train.Labels[i])
    let predicted = StructureBlock.Predict(rawRows, allLabels, order)
    let inputs = order |> Array.collect (fun i -> train.Image(i).ToArray())
    let layer = (TrackedLayers.Of spec)[0]
    let measured = Array2D.zeroCreate n n
    for run in runs do
        let d2 = squaredDistances (hiddenRows (lastCheckpoint run) layer inputs n)
        for i in 0 .. n - 1 do
            for j in 0 .. n - 1 do measured[i, j] <- measured[i, j] + d2[i, j] / float runs.Length
    let c = StructurePrediction.Compare(predicted, measured, labels)
    let rows =
        [ reported name "Pearson r, predicted vs measured structure, all entries" c.PearsonAll $"{n} images sorted by label, {runs.Length} trials, hidden layer {layer}; prediction over the first {count} training images (raw pixels, one-hot labels)"
          reported name "Pearson r without the same-label blocks" c.PearsonOffBlock $"{c.CountOffBlock} of {c.CountAll} entries" ]
    { Name = name
      Sentence = $"Trial-averaged squared hidden distances of {n} digits sorted by label, beside the block of P = exp(−A)·A·exp(−A), A = D_x ∘ D_y over the first {count} training images (raw pixels 0–255, one-hot labels), as the mnist_structure notebook computes it. Pearson r = {fmtValue c.PearsonAll} on all entries, {fmtValue c.PearsonOffBlock} without the same-label blocks."
      Rows = rows
      Figure =
        // Tick labels at the first image of each digit: the blocks of the sorted matrix.
        let ticks = labels |> Array.mapi (fun i l -> if i = 0 || labels[i - 1] <> l then string l else "")
        PaperFigures.heatmaps name 2
            [ PaperFigures.heatmap $"measured: ‖Δh‖², layer {layer}, mean of {runs.Length} trials" "image (sorted by digit)" "‖Δh‖² (squared activation units)" ticks measured
              PaperFigures.heatmap $"predicted: exp(−A)·A·exp(−A) (r = {fmtValue c.PearsonAll})" "image (sorted by digit)" "P (arbitrary units)" ticks predicted ]
      Seconds = 0.0 }
