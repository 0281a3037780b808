/// The two-point experiments of docs/theory.md §3: items 1, 2, 4, 5 and 6.
module RepAlign.Reproduction.TwoPointExperiments

open System
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Fitting
open RepAlign.Theory
open RepAlign.Analysis
open RepAlign.Reproduction.Evidence
open RepAlign.Reproduction.Runs
open RepAlign.Analysis.Figure

let private fitsWell = "≥ 0.9: the fitted system follows the network"

/// The one fit of a single-pair run at its first tracked layer.
let private firstFit run = fits run |> Array.minBy (fun f -> f.Layer, f.Pair)

/// Item 1: every setting of the architecture table, trained and fitted.
let architectures ctx =
    let name = "architectures"
    let runs = runPipeline ctx "architectures.toml" name []
    let results = runs |> List.map (fun r -> r.Variant, firstFit r)
    let rows =
        [ for variant, f in results do
            yield judged name $"R² of h, {variant}" f.R2H fitsWell (fun v -> v >= 0.9) $"η_h = {f.EtaH:G3}, η_y = {f.EtaY:G3}, regime {f.Regime}"
            yield judged name $"R² of y, {variant}" f.R2Y fitsWell (fun v -> v >= 0.9) ""
            yield judged name $"R² of w, {variant}" f.R2W fitsWell (fun v -> v >= 0.9) "" ]
    let paper =
        [ for r in runs ->
            let f = firstFit r
            PaperFigures.normalisedTrajectory $"{r.Variant} (R² of h {fmtValue f.R2H})" (PaperFigures.trajectoryOf (curves r) f.Pair f.Layer) ]
        |> PaperFigures.panelsOf name 4 (480, 400)
    let poor = results |> List.filter (fun (_, f) -> not (f.R2H >= 0.9)) |> List.map fst
    let poorText = if poor.IsEmpty then "every setting" else "every setting except " + String.Join(", ", poor)
    { Name = name
      Sentence = $"Each setting of the paper's table is trained and the two effective rates fitted to its tracked layer; the fitted 3-D system reaches R² ≥ 0.9 on h for {poorText}. The paper reports the same dynamics across all of them."
      Rows = rows
      Figure = paper
      Seconds = 0.0 }

/// Item 2: the initial-scale sweep.
let initScale ctx =
    let name = "init-scale"
    let runs = runPipeline ctx "init-scale.toml" name [] |> List.sortBy (fun r -> r.Spec.Model.Gain)
    let fitted = runs |> List.map (fun r -> r, firstFit r)
    let gains = fitted |> List.map (fun (r, _) -> r.Spec.Model.Gain) |> List.toArray
    let richness = fitted |> List.map (fun (_, f) -> log10 (f.ALow / abs f.AHigh)) |> List.toArray
    let rho = Correlation.Spearman(ReadOnlySpan gains, ReadOnlySpan richness)
    let r2Of gain = fitted |> List.tryFind (fun (r, _) -> r.Spec.Model.Gain = gain) |> Option.map (fun (_, f) -> f.R2H) |> Option.defaultValue nan
    let largest = Array.max gains
    let rows =
        [ yield judged name "Spearman ρ of gain and log10(A_low/|A_high|)" rho "< 0: rich (plateaus) at small gains, lazy at large" (fun v -> v < 0.0) "one run per gain"
          for (r, f) in fitted do
              yield reported name $"log10(A_low/|A_high|), gain {r.Spec.Model.Gain}" (log10 (f.ALow / abs f.AHigh)) $"regime {f.Regime}"
              yield reported name $"R² of h, gain {r.Spec.Model.Gain}" f.R2H $"lr {r.Spec.Train.Lr}, {r.Spec.Train.Epochs} epochs"
          yield judged name $"R² of h at gain {largest} minus at gain 1.0" (r2Of largest - r2Of 1.0) "< 0: the approximation breaks down at very large initial weights" (fun v -> v < 0.0) "" ]
    let worstGain, worstR2 = fitted |> List.map (fun (r, f) -> r.Spec.Model.Gain, f.R2H) |> List.filter (snd >> Double.IsFinite) |> List.minBy snd
    let traces =
        [ for r, _ in fitted ->
            let m = metrics r |> Array.sortBy (fun m -> m.Epoch) |> RepAlign.Analysis.PlotlyRender.thin 400
            let h0 = m[0].H2
            $"gain {r.Spec.Model.Gain}", (m |> Array.map (fun x -> float x.Epoch)), (m |> Array.map (fun x -> x.H2 / h0)) ]
    let paper =
        PaperFigures.figure name 2
            [ PaperFigures.lines "h(t)/h(0) for each initial gain" (log10Axis "epoch + 1 (log10)") (linear "h(t)/h(0) (dimensionless)")
                  [ for label, x, y in traces -> label, x |> Array.map (fun e -> e + 1.0), y ]
              PaperFigures.points "richness A_low/|A_high| against initial gain" (linear "initial weight gain (xavier_normal gain)") (log10Axis "A_low/|A_high| (dimensionless, log10)")
                  "fitted runs" gains (fitted |> List.map (fun (_, f) -> f.ALow / abs f.AHigh) |> List.toArray) ]
    let largestGrowth = traces |> List.tryLast |> Option.map (fun (_, _, y: float[]) -> y[y.Length - 1]) |> Option.defaultValue nan
    { Name = name
      Sentence = $"Measured h(t)/h(0) for each gain; in the paper, small gains plateau and then rise (rich) while large gains barely move (lazy). Spearman ρ of gain against the richness ratio is {fmtValue rho}. The fit of h is worst at gain {worstGain} (R² {fmtValue worstR2}); at gain {largest} h ends at {fmtValue largestGrowth} × its start."
      Rows = rows
      Figure = paper
      Seconds = 0.0 }

/// The rates the rich_structure and XOR notebooks use: η_h and η_y each averaged over the fitted default runs.
type DefaultRates =
    { EtaH: float
      EtaY: float
      /// Runs averaged (final loss ≤ 1e−2).
      Kept: int
      /// Runs trained.
      Runs: int }

/// How many default runs the rates are averaged over (the rich_structure notebook's 50).
let rateRunCount = 50

/// The 50 default runs of the rich_structure notebook (lr 0.005, 6000 epochs, each from its own seed), fitted, and
/// their mean η_h and mean η_y over the runs whose final loss is ≤ 1e−2. Shared by final-distance and XOR: they run
/// once into final-distance/rates and are reused, by every seed index of `reproduce --seeds` too.
let defaultRates ctx =
    // Shared across the seeds of `reproduce --seeds`: the 50 runs estimate the mean rates, which every seed index
    // reuses from seed 0's folder (README.md, "Reproducing the paper").
    let rateRuns =
        runPipeline { ctx with SeedIndex = 0 } "two-points.toml" "final-distance/rates"
            [ $"experiment.trials={rateRunCount}"; "train.lr=0.005"; "train.epochs=6000"; "checkpoints.count=2"; "fit.fit_loss=false" ]
    let finalLoss run = (metrics run |> Array.maxBy (fun m -> m.Epoch)).Loss
    let kept = rateRuns |> List.filter (fun r -> finalLoss r <= 1e-2) |> List.map firstFit
    { EtaH = kept |> List.map (fun f -> f.EtaH) |> mean
      EtaY = kept |> List.map (fun f -> f.EtaY) |> mean
      Kept = kept.Length
      Runs = rateRuns.Length }

/// The fraction of its initial loss a grid run's training loss must reach to end the early window of its own rates.
let earlyLossFraction = 0.1

/// A grid run's rates refitted out of sample: on the epochs before its training loss first falls to
/// earlyLossFraction of its start (at least 10 epochs), so the fit has not seen the final distance it predicts.
let private earlyFit (run: Run) (m: MetricRow[]) =
    let cut = m |> Array.tryFind (fun r -> r.Loss <= earlyLossFraction * m[0].Loss) |> Option.map (fun r -> r.Epoch) |> Option.defaultValue m[m.Length - 1].Epoch
    let input = BulkFit.FromMetrics(m, RepAlign.Core.Data.PointSet.Of run.Spec.Data) |> Seq.head
    let options = BulkFit.RatesUpTo(run.Spec.Fit, float (max cut 10))
    TwoPointFit.Fit(input.Trajectory, input.Dx2, input.Dy2, options), max cut 10

/// Item 4: predicted against measured final distance over the dx × dy grid, with the mean rates of the default runs
/// (the paper's procedure) and with each grid run's own rates (does the rates' spread between networks explain the scatter?).
let finalDistance ctx =
    let name = "final-distance"
    let rates = defaultRates ctx
    let etaH, etaY = rates.EtaH, rates.EtaY
    let grid = runPipeline ctx "final-distance.toml" (name + "/grid") []
    let points =
        [ for run in grid do
            let m = metrics run |> Array.sortBy (fun m -> m.Epoch)
            let first, last = m[0], m[m.Length - 1]
            let d = run.Spec.Data
            let predict (h: float) (y: float) = FinalDistance.Predict(h, y, d.Dx2, d.Dy2, first.H2, first.Y2).HInfinity
            // The run's own rates: the fit stage's fit of its whole tracked trajectory (every epoch), and an out-of-sample refit.
            let own = firstFit run
            let early, cut = earlyFit run m
            yield {| Dx2 = d.Dx2; Dy2 = d.Dy2; Measured = last.H2; Predicted = predict etaH etaY; Loss = last.Loss; Epochs = last.Epoch
                     Own = predict own.EtaH own.EtaY; OwnRatio = own.EtaH / own.EtaY; Early = predict early.EtaH early.EtaY; Cut = cut |} ]
    let usable = points |> List.filter (fun p -> p.Loss <= 1e-3 && Double.IsFinite p.Predicted)
    let measured = usable |> List.map (fun p -> p.Measured) |> List.toArray
    let predicted = usable |> List.map (fun p -> p.Predicted) |> List.toArray
    let r = Correlation.Pearson(ReadOnlySpan predicted, ReadOnlySpan measured)
    let slope = Correlation.Slope(ReadOnlySpan measured, ReadOnlySpan predicted)
    // Mean against own rates on the same runs: those whose own-rate predictions are finite too.
    let compared = usable |> List.filter (fun p -> Double.IsFinite p.Own && Double.IsFinite p.Early)
    let against (pick: _ -> float) =
        let x = compared |> List.map (fun p -> p.Measured) |> List.toArray
        let y = compared |> List.map pick |> List.toArray
        Correlation.Pearson(ReadOnlySpan y, ReadOnlySpan x), Correlation.Slope(ReadOnlySpan x, ReadOnlySpan y)
    let rMean, slopeMean = against (fun p -> p.Predicted)
    let rOwn, slopeOwn = against (fun p -> p.Own)
    let rEarly, slopeEarly = against (fun p -> p.Early)
    let ratios = compared |> List.map (fun p -> p.OwnRatio)
    let cv = if ratios.Length < 2 then nan else sqrt (ratios |> List.averageBy (fun x -> (x - mean ratios) ** 2.0)) / mean ratios
    let n = $"{compared.Length} grid runs (final loss ≤ 1e−3, every prediction finite)"
    let early = $"rates refitted on the epochs before the loss first falls to {earlyLossFraction} of its start (median cut at epoch {FitFrames.median (compared |> List.map (fun p -> float p.Cut))}): the fit has not seen h(∞)"
    let rows =
        [ judged name "Pearson r, predicted vs measured h(∞)" r "≈ 1 (the paper's scatter lies on the identity)" (fun v -> v >= 0.95) $"{usable.Length} of {points.Length} grid runs with final loss ≤ 1e−3"
          judged name "slope of predicted on measured h(∞)" slope "≈ 1" (fun v -> v >= 0.8 && v <= 1.25) "least squares with intercept"
          reported name "η_h/η_y averaged over default runs" (etaH / etaY) $"mean η_h over mean η_y of {rates.Kept} of {rates.Runs} default runs (lr 0.005, 6000 epochs; final loss ≤ 1e−2)"
          reported name "grid runs kept" (float usable.Length) $"of {points.Length}; a run is dropped when its final loss stays above 1e−3"
          reported name "Pearson r, mean rates, runs compared" rMean n
          reported name "slope, mean rates, runs compared" slopeMean n
          reported name "Pearson r, own rates (whole trajectory)" rOwn $"{n}; each run's rates fitted to its own tracked trajectory (the fit sees h(∞))"
          reported name "slope, own rates (whole trajectory)" slopeOwn n
          reported name "Pearson r, own rates (early window)" rEarly $"{n}; {early}"
          reported name "slope, own rates (early window)" slopeEarly n
          reported name "coefficient of variation of the grid runs' own η_h/η_y" cv n ]
    let labels = usable |> List.map (fun p -> $"dx²={p.Dx2}, dy²={p.Dy2}, {p.Epochs} epochs") |> List.toArray
    let xs = compared |> List.map (fun p -> p.Measured) |> List.toArray
    let ownLabels = compared |> List.map (fun p -> $"dx²={p.Dx2}, dy²={p.Dy2}") |> List.toArray
    { Name = name
      Sentence = $"Each grid point's h(∞) is predicted from its initial h and y with one rate ratio (averaged over {rates.Kept} fitted default runs) and set against the h the network ends at. Pearson r = {fmtValue r}, slope {fmtValue slope}. With each run's own rates: r = {fmtValue rOwn}, slope {fmtValue slopeOwn} (fitted to the whole trajectory), r = {fmtValue rEarly}, slope {fmtValue slopeEarly} (fitted before the loss falls to a tenth), against r = {fmtValue rMean} with the mean rates on the same {compared.Length} runs."
      Rows = rows
      Figure =
        PaperFigures.panelsOf name 3 (600, 480)
            [ PaperFigures.predictedVsMeasured $"final distance h(∞), {usable.Length} grid runs (r = {fmtValue r})"
                  "measured h(∞) = ‖Δh‖² (squared activation units)" "predicted h(∞) (squared activation units)" measured predicted labels
              PaperFigures.predictedVsMeasured $"with each run's own rates, whole trajectory (r = {fmtValue rOwn})"
                  "measured h(∞) = ‖Δh‖² (squared activation units)" "predicted h(∞) (squared activation units)" xs (compared |> List.map (fun p -> p.Own) |> List.toArray) ownLabels
              PaperFigures.predictedVsMeasured $"with each run's own rates, early window (r = {fmtValue rEarly})"
                  "measured h(∞) = ‖Δh‖² (squared activation units)" "predicted h(∞) (squared activation units)" xs (compared |> List.map (fun p -> p.Early) |> List.toArray) ownLabels ]
      Seconds = 0.0 }

/// Item 5: the fit at every hidden layer of the default network.
let depth ctx =
    let name = "depth"
    let run = runPipeline ctx "depth.toml" name [] |> List.head
    let byLayer = fits run |> Array.sortBy (fun f -> f.Layer)
    let layers = byLayer |> Array.map (fun f -> f.Layer)
    let s = byLayer |> Array.map (fun f -> f.FitLoss)
    let argBy (values: float[]) pick =
        let finite = Array.zip layers values |> Array.filter (snd >> Double.IsFinite)
        if finite.Length = 0 then nan else float (fst (pick snd finite))
    let bestLayer = argBy s Array.minBy
    // A rate from a fit that does not follow the trajectory means little: the peak is taken over the layers the theory describes well.
    let etaYPeak = argBy (byLayer |> Array.map (fun f -> if FitFrames.describedWell f then f.EtaY else nan)) Array.maxBy
    let etaYPeakAll = argBy (byLayer |> Array.map (fun f -> f.EtaY)) Array.maxBy
    let wellCount = byLayer |> Array.filter FitFrames.describedWell |> Array.length
    let rho = Correlation.Spearman(ReadOnlySpan (layers |> Array.map float), ReadOnlySpan (byLayer |> Array.map (fun f -> f.EtaH)))
    let rows =
        [ judged name "layer with the lowest fit error S" bestLayer "11–13 of 20" (fun v -> v >= 11.0 && v <= 13.0) $"S there = {fmtValue (Array.min s)}"
          judged name "layer where η_y peaks, among layers described well" etaYPeak "8–11 of 20" (fun v -> v >= 8.0 && v <= 11.0) $"{wellCount} of {layers.Length} layers described well (converged, R² of h and y ≥ {FitFrames.DescribedWellR2})"
          reported name "layer where η_y peaks, all layers" etaYPeakAll "includes layers whose fit does not follow the network"
          judged name "Spearman ρ of layer and η_h" rho "> 0: η_h grows with depth" (fun v -> v > 0.0) "" ]
    { Name = name
      Sentence = $"The theory fitted separately at every hidden layer of the default network: the fit error S is lowest at layer {fmtValue bestLayer} (paper: 11–13), η_y peaks at layer {fmtValue etaYPeak} (paper: 8–11)."
      Rows = rows
      Figure =
        PaperFigures.figure name 2
            [ PaperFigures.perLayer "fit error per hidden layer" "fit error S (dimensionless, log10)" true [ "S", layers, s ]
              PaperFigures.perLayer "fitted rates per hidden layer" "rate η (per epoch, log10)" true
                  [ "η_h", layers, byLayer |> Array.map (fun f -> f.EtaH); "η_y", layers, byLayer |> Array.map (fun f -> f.EtaY) ] ]
      Seconds = 0.0 }

/// Item 6: the true system against four altered ones on the same trajectory.
let alternativeDynamics ctx =
    let name = "alternative-dynamics"
    let runs = runPipeline ctx "alternative-dynamics.toml" name []
    let lossOf (run: Run) = (firstFit run).FitLoss
    let byDynamics = runs |> List.map (fun r -> r.Spec.Fit.Dynamics, lossOf r)
    let trueS = byDynamics |> List.tryFind (fun (d, _) -> d = DynamicsVariant.True) |> Option.map snd |> Option.defaultValue nan
    let altered = byDynamics |> List.filter (fun (d, _) -> d <> DynamicsVariant.True) |> List.map (fun (d, s) -> SnakeCase.Of d, s)
    let rows =
        [ yield reported name "S of the true system" trueS ""
          for d, s in altered -> judged name $"S({d}) / S(true)" (s / trueS) "> 1: the altered system fits clearly worse" (fun v -> v > 1.0) "" ]
    let worst = altered |> List.map (fun (_, s) -> s / trueS) |> List.filter Double.IsFinite
    let range = if worst.IsEmpty then "–" else $"{fmtValue (List.min worst)}–{fmtValue (List.max worst)}×"
    { Name = name
      Sentence = $"The default trajectory fitted with the true system and with four altered ones; the altered systems' fit error is {range} the true system's."
      Rows = rows
      Figure =
        runs
        |> List.sortBy (fun r -> if r.Spec.Fit.Dynamics = DynamicsVariant.True then 0 else 1)
        |> List.map (fun r ->
            let f = firstFit r
            PaperFigures.trajectory $"{SnakeCase.Of r.Spec.Fit.Dynamics} dynamics (S = {fmtValue f.FitLoss})" Trajectories.h
                (PaperFigures.trajectoryOf (curves r) f.Pair f.Layer))
        |> PaperFigures.figure name 3
      Seconds = 0.0 }
