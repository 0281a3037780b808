// Loads a finished run's fit table as a Deedle frame and plots something the report does not:
// the fitted rate ratio η_h/η_y against R² of h, one colour per layer.
//
//   dotnet fsi examples/explore-fits.fsx runs/mnist-pairs/<run-id> ratio-vs-r2.html
//
// Any run folder works (two points, MNIST pairs, a reanalysis): fit/fits.csv is always written.
#r "nuget: Deedle, 8.1.0"
#r "nuget: Plotly.NET, 6.0.0"

open System
open System.IO
open Deedle
open Plotly.NET

let runFolder, output =
    match fsi.CommandLineArgs |> Array.skip 1 with
    | [| run; out |] -> run, out
    | _ -> failwith "usage: dotnet fsi examples/explore-fits.fsx RUN_FOLDER OUTPUT.html"

let fits: Frame<int, string> = Frame.ReadCsv(Path.Combine(runFolder, "fit", "fits.csv"))

// One row per (pair, layer); keep converged fits and add the ratio of the rates.
let converged = fits |> Frame.filterRowsBy "status" "converged"
converged?ratio <- converged?eta_h / converged?eta_y

let byLayer = converged |> Frame.groupRowsByInt "layer" |> Frame.nest

let chart =
    byLayer
    |> Series.observations
    |> Seq.map (fun (layer, frame) ->
        Chart.Point(
            x = (frame.GetColumn<float> "ratio" |> Series.values |> Seq.map Math.Log10),
            y = (frame.GetColumn<float> "r2_h" |> Series.values),
            Name = $"layer {layer}"))
    |> Chart.combine
    |> Chart.withXAxisStyle "log10 η_h/η_y"
    |> Chart.withYAxisStyle "R² of h"
    |> Chart.withTitle $"{converged.RowCount} converged fits of {fits.RowCount}"
    |> Chart.withDisplayOptions (DisplayOptions.init (PlotlyJSReference = PlotlyJSReference.Full))

chart |> Chart.saveHtml output
printfn "median η_h/η_y per layer:"
for layer, frame in Series.observations byLayer do
    printfn "  layer %d: %.4g (%d fits)" layer (frame.GetColumn<float> "ratio" |> Stats.median) frame.RowCount
printfn "wrote %s" output
