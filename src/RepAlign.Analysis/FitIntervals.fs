/// The 95 % intervals of the analyze tables' aggregates (columns *_lo and *_hi): fractions get the Wilson score
/// interval; medians get the percentile interval of a bootstrap over the group's pairs, with <see cref="BootstrapResamples"/>
/// resamples, every median of a group from the same resampled pairs, seeded from the run's train.seed and the group
/// (a rerun gives the same numbers).
module RepAlign.Analysis.FitIntervals

open Deedle
open RepAlign.Theory

/// Resamples of the bootstrap intervals of the per-layer medians.
[<Literal>]
let BootstrapResamples = Bootstrap.DefaultResamples

/// The seed the bootstrap uses where no run spec gives one (summaries computed outside a run).
[<Literal>]
let DefaultSeed = 0L

/// k of n as a fraction with its Wilson 95 % interval; (NaN, NaN, NaN) for n = 0.
let wilson (k: int) (n: int) =
    let struct (lo, hi) = Wilson.Interval(k, n)
    (if n = 0 then nan else float k / float n), lo, hi

/// Of the S ratios (rival's S / fitted system's S; NaN = not compared, left out; +∞ = no rival could be integrated,
/// a win): how many were compared, and the fraction where the fitted system wins (ratio > 1) with its Wilson interval.
let wins (ratios: float seq) =
    let compared = ratios |> Seq.filter (fun r -> not (System.Double.IsNaN r)) |> Seq.toArray
    let fraction, lo, hi = wilson (compared |> Array.filter (fun r -> r > 1.0) |> Array.length) compared.Length
    compared.Length, fraction, lo, hi

/// The bootstrap 95 % percentile intervals (2.5 % and 97.5 % quantiles of the replicates, taken with
/// <paramref name="quantile"/>) of the medians of row-aligned columns, resampled jointly.
let medianIntervals (quantile: float -> float seq -> float) (seed: int) (columns: float[][]) =
    Bootstrap.MedianReplicates(columns, BootstrapResamples, seed)
    |> Array.map (fun replicates -> quantile 0.025 replicates, quantile 0.975 replicates)

/// Row-aligned float columns of a frame (missing and NaN as NaN), for a joint bootstrap over its rows.
let aligned (columns: string list) (frame: Frame<int, string>) =
    columns
    |> List.map (fun c ->
        let series = frame.GetColumn<float>(c)
        frame.RowKeys |> Seq.map (fun k -> Series.tryGet k series |> Option.defaultValue nan) |> Seq.toArray)
    |> List.toArray
