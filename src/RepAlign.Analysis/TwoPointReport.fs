/// The report of a two-point run: measured against fitted h, y, w and loss, and the fit table.
module RepAlign.Analysis.TwoPointReport

open System
open System.Globalization
open Plotly.NET
open RepAlign.Core.Tables
open RepAlign.Core.Specs
open RepAlign.Pipelines.Spec
open RepAlign.Analysis.HtmlPage

/// Keeps at most n points of a series (evenly spaced, always the last), so long runs stay light in the browser.
let thin (n: int) (xs: 'a[]) =
    if xs.Length <= n then xs
    else
        let step = float (xs.Length - 1) / float (n - 1)
        Array.init n (fun i -> xs[int (Math.Round(float i * step))])

/// Measured (solid) against fitted (dashed) over epochs, thinned to at most maxPoints, in a width × height chart.
let measuredVsFittedChart (maxPoints: int) (width: int, height: int) (title: string) (yTitle: string) (rows: CurveRow[])
                          (measured: CurveRow -> float) (fitted: CurveRow -> float) =
    let rows = thin maxPoints rows
    let x = rows |> Array.map (fun r -> float r.Epoch)
    [ Chart.Line(x = x, y = (rows |> Array.map measured), Name = "measured", LineColor = Color.fromString "#1f77b4")
      Chart.Line(x = x, y = (rows |> Array.map fitted), Name = "theory (fitted)", LineColor = Color.fromString "#d62728", LineDash = StyleParam.DrawingStyle.Dash) ]
    |> Chart.combine
    |> styled title "epoch" yTitle (width, height)

let private measuredVsFitted = measuredVsFittedChart 2000 (560, 380)

/// Renders report.html for the given fits and curves; returns the HTML.
let render (spec: ExperimentSpec) (fits: FitRow[]) (curves: CurveRow[]) =
    let columns = [ "layer"; "pair"; "eta_h"; "eta_y"; "eta_ybar"; "fit_loss"; "r2_h"; "r2_y"; "r2_w"; "C"; "h_inf_pred"; "h_inf_obs"; "regime"; "status" ]
    let cell (r: FitRow) =
        [ string r.Layer; string r.Pair; fmt r.EtaH; fmt r.EtaY; fmt r.EtaYbar; fmt r.FitLoss; fmt r.R2H; fmt r.R2Y; fmt r.R2W
          fmt r.C; fmt r.HInfPred; fmt r.HInfObs; r.Regime; r.Status ]
    let medianR2 = fits |> Seq.map (fun f -> f.R2H) |> FitFrames.median
    let sections =
        [ { Heading = "Fitted effective learning rates"
            Text = $"One row per tracked layer and pair. S is the paper's objective (sum of squared residuals of h, y and w); R² per variable; regime from A_low/|A_high|. Median R² of h: {fmt medianR2}."
            Body = table columns (fits |> Array.map cell |> Array.toList) } ]
        @ [ for (layer, pair), group in curves |> Array.groupBy (fun c -> c.Layer, c.Pair) |> Array.sortBy fst ->
              let rows = group |> Array.sortBy (fun c -> c.Epoch)
              let charts =
                  [ measuredVsFitted "representational distance h" "‖dh‖²" rows (fun r -> r.H2) (fun r -> r.H2Fit)
                    measuredVsFitted "output distance y" "‖dŷ‖²" rows (fun r -> r.Y2) (fun r -> r.Y2Fit)
                    measuredVsFitted "alignment w" "w" rows (fun r -> r.W) (fun r -> r.WFit)
                    measuredVsFitted "training loss" "0.5·MSE" rows (fun r -> r.Loss) (fun r -> r.LossFit) ]
              { Heading = $"Layer {layer}, pair {pair}: measured against the theory"
                Text = "Solid: measured in the network before each epoch's update. Dashed: the 3-D system integrated from the measured initial state with the fitted rates; the loss is the analytic loss curve."
                Body = "<div style=\"display:flex;flex-wrap:wrap\">" + (charts |> List.map chart |> String.concat "") + "</div>" } ]
    let title = if String.IsNullOrEmpty spec.Report.Title then $"RepAlign — {spec.Name}" else spec.Report.Title
    let m = spec.Model
    let subtitle =
        let kind, act, opt = SnakeCase.Of m.Kind, SnakeCase.Of m.Activation, SnakeCase.Of spec.Train.Optimizer
        $"{kind} {m.Depth}×{m.Width}, {act}, gain {m.Gain}; {opt} lr {spec.Train.Lr}, {spec.Train.Epochs} epochs, seed {spec.Train.Seed}; dx² = {spec.Data.Dx2}, dy² = {spec.Data.Dy2}; η = 1/(2τ) under the 0.5·MSE loss."
    render title subtitle sections
