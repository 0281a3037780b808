/// The two-point effective theory from F#: simulate, fit, predict.
namespace RepAlign.FSharp

open RepAlign.Theory

/// Functions over trajectories; the trajectory comes last so they chain with |>.
module Theory =
    /// A trajectory from its columns (epochs, h, y, w), without loss.
    let trajectory (epochs: float[]) (h: float[]) (y: float[]) (w: float[]) = Trajectory(epochs, h, y, w)

    /// Integrates the 3-D system with rates (η_h, η_y) for the distances dx2, dy2 from (h0, y0, w0), recorded at
    /// epochs 0 … n−1. Rows after a failed integration are NaN.
    let simulate (etaH: float, etaY: float) (dx2: float, dy2: float) (h0: float, y0: float, w0: float) (epochs: int) : Trajectory =
        let system = TwoPointSystem(etaH, etaY, dx2, dy2)
        let times = Array.init epochs float
        let mutable outcome = IntegrationOutcome.Completed
        let states = DormandPrinceIntegrator.Solve(&system, System.ReadOnlySpan [| h0; y0; w0 |], 0.0, System.ReadOnlySpan times, null, &outcome)
        let column d = Array.init epochs (fun i -> states[3 * i + d])
        Trajectory(times, column 0, column 1, column 2)

    /// Fits η_h and η_y (and η_ybar where the trajectory has a loss) with the given options.
    let fitWith (options: FitOptions) (dx2: float, dy2: float) (trajectory: Trajectory) : FitResult =
        TwoPointFit.Fit(trajectory, dx2, dy2, options)

    /// Fits η_h and η_y (and η_ybar where the trajectory has a loss) with the default options (docs/theory.md §2).
    let fit (dx2: float, dy2: float) (trajectory: Trajectory) : FitResult = fitWith FitOptions.Default (dx2, dy2) trajectory

    /// The final representational distance h(∞), A_low, A_high and the regime predicted from rates, distances and the
    /// initial h and y (docs/theory.md §1).
    let finalDistance (etaH: float, etaY: float) (dx2: float, dy2: float) (h0: float, y0: float) : FinalDistancePrediction =
        FinalDistance.Predict(etaH, etaY, dx2, dy2, h0, y0)
