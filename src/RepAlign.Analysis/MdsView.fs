/// The geometry of a hidden layer seen whole: its rows for every point of a point set at one checkpoint (ONNX
/// Runtime), their squared distances, and a 3-D classical MDS of them coloured by the point set's named features.
/// Shared by the point-set report and the reproduction's context-blobs experiment.
module RepAlign.Analysis.MdsView

open System
open RepAlign.Core.Data
open RepAlign.Theory
open RepAlign.Analysis.Figure

/// Hidden-layer rows of the given inputs (count rows of the input width, row-major) from an ONNX checkpoint.
let hiddenRows (checkpoint: string) (layer: int) (inputs: float32[]) (count: int) =
    use runner = new RepAlign.Inference.OnnxModelRunner(checkpoint, RepAlign.Inference.InferenceOptions())
    let output = runner.Run(ReadOnlySpan inputs, count, [| RepAlign.Core.Checkpoints.OnnxNames.Hidden layer |])[0]
    Array.init count (fun i -> output.Row(i).ToArray())

/// Squared Euclidean distances between rows (n × n), with the extractor's SIMD kernel.
let squaredDistances (rows: float32[][]) =
    let n = rows.Length
    let d = Array2D.zeroCreate n n
    for i in 0 .. n - 1 do
        for j in i + 1 .. n - 1 do
            let v = RepAlign.Inference.Bulk.PairKernels.SquaredDistance(ReadOnlySpan rows[i], ReadOnlySpan rows[j])
            d[i, j] <- v
            d[j, i] <- v
    d

/// The most points an MDS view shows (more stay unreadable as markers).
let maxShown = 200

/// The points an MDS view shows: every k-th point, k the smallest step that keeps at most maxShown.
let shownPoints (count: int) =
    let step = max 1 ((count + maxShown - 1) / maxShown)
    [| 0 .. step .. count - 1 |]

/// The 3-D classical MDS coordinates (shown × 3) of the shown points, from every point's squared distances.
let embed (squared: float[,]) (shown: int[]) =
    ClassicalMds.Embed(Array2D.init shown.Length shown.Length (fun i j -> squared[shown[i], shown[j]]), 3)

/// A feature's name as the figures write it (mu_x → μ_x).
let featureName (feature: string) = feature.Replace("mu_", "μ_")

/// The groups a feature divides the shown points into (name, indices into shown): the two contexts by what each asks
/// for, any other feature in five equal bins of its range.
let groups (feature: string) (values: float[]) (shown: int[]) =
    let v = shown |> Array.map (fun i -> values[i])
    if feature = "context" then
        [ for c, name in [ 0.0, "context [1,0] (asks μ_x)"; 1.0, "context [0,1] (asks μ_y)" ] ->
            name, Array.init v.Length id |> Array.filter (fun k -> v[k] = c) ]
    else
        let lo, hi = Array.min v, Array.max v
        let bin x = if hi > lo then min 4 (int ((x - lo) / (hi - lo) * 5.0)) else 0
        [ for b in 0 .. 4 ->
            let a, z = lo + float b * (hi - lo) / 5.0, lo + float (b + 1) * (hi - lo) / 5.0
            let range = String.Format(Globalization.CultureInfo.InvariantCulture, "[{0:F2}, {1:F2}]", a, z)
            $"{featureName feature} ∈ {range}", Array.init v.Length id |> Array.filter (fun k -> bin v[k] = b) ]

/// One figure per named feature of the point set (context first): the shown points in the three MDS dimensions,
/// one coloured group per context or feature bin. Names are prefix-by-feature.
let figures (prefix: string) (titlePrefix: string) (set: PointSet) (shown: int[]) (coordinates: float[,]) =
    let axis d = linear $"MDS dimension {d} (activation units)"
    let order = set.Features.Keys |> Seq.sortBy (fun k -> (if k = "context" then 0 else 1), k) |> Seq.toList
    [ for feature in order ->
        { Figure.figure $"{prefix}by-{feature}" $"{titlePrefix}by {featureName feature}" (axis 1) (axis 2) (440, 420)
              [ for i, (name, members) in List.indexed (groups feature set.Features[feature] shown) do
                  if members.Length > 0 then
                      yield Points3D { Name = name; Color = colour i
                                       X = members |> Array.map (fun k -> coordinates[k, 0])
                                       Y = members |> Array.map (fun k -> coordinates[k, 1])
                                       Z = members |> Array.map (fun k -> coordinates[k, 2]) } ]
            with Z = Some(axis 3) } ]
