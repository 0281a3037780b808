namespace RepAlign.Theory;

/// <summary>How the initial grid of <see cref="TwoPointFit.Fit"/> is searched.</summary>
public enum GridSearch
{
    /// <summary>
    /// Coarse pass over every ratio line (every √n-th point), then a local descent along the winning line
    /// from the coarse best, one grid point at a time, until neither neighbour improves. A few dozen
    /// candidate integrations instead of a couple of hundred; the refinement lands on the same minimum.
    /// </summary>
    CoarseToFine,

    /// <summary>
    /// The slow reference: the coarse pass, then every remaining point of the reference's line and of the
    /// line that won the coarse pass, nearest the coarse best first. Kept to check the fast search against
    /// and as the benchmarks' baseline.
    /// </summary>
    Exhaustive,
}

/// <summary>
/// The initial grid of the fit (docs/theory.md §2): candidate rates (η_h, η_y) = g·(ratio, 1) for g on a
/// log grid and a few ratio lines, each candidate integrated with the loose grid integrator and
/// abandoned as soon as its partial objective exceeds the best so far.
/// </summary>
internal static class GridSearcher
{
    /// <summary>The best candidate found.</summary>
    /// <param name="Index">Grid index of g, or −1 when no candidate could be integrated.</param>
    /// <param name="Ratio">η_h/η_y of the winning line.</param>
    /// <param name="Objective">Coarse objective at the winner.</param>
    /// <param name="Evaluations">Candidate integrations made (each possibly stopped early).</param>
    public readonly record struct Best(int Index, double Ratio, double Objective, int Evaluations);

    /// <summary>The grid value g at index <paramref name="k"/>.</summary>
    public static double Value(FitOptions options, int k)
    {
        if (options.GridPoints == 1) return options.GridMin;
        double logMin = Math.Log(options.GridMin), logMax = Math.Log(options.GridMax);
        return Math.Exp(logMin + (logMax - logMin) * k / (options.GridPoints - 1));
    }

    /// <summary>Searches the grid along the lines of <see cref="InitialRatios"/>.</summary>
    public static Best Search(FitProblem p, FitOptions options)
    {
        double[] ratios = InitialRatios(p);
        int n = options.GridPoints;
        int stride = Math.Max(1, (int)Math.Round(Math.Sqrt(n)));
        var visited = new bool[ratios.Length * n];
        var screening = options.GridIntegrator.WithStepBudget(options.GridStepsPerEpoch, p.Times[^1] - p.Times[0], atLeast: 100);

        double best = double.PositiveInfinity;
        int bestIndex = -1, bestLine = 0, evaluations = 0;

        for (int line = 0; line < ratios.Length; line++)
        {
            for (int k = 0; k < n; k += stride) Visit(line, k);
            Visit(line, n - 1);
        }

        int centre = Math.Max(bestIndex, 0);
        int coarseWinner = bestLine;
        if (options.Search == GridSearch.Exhaustive)
        {
            // Remaining points, nearest the current best first: the bound tightens before the far (expensive, stiff) ones.
            // Only the reference's line (its full grid is the reference initialisation) and the line that won the coarse pass.
            for (int line = 0; line < ratios.Length; line++)
            {
                if (line != 0 && line != coarseWinner) continue;
                for (int d = 1; d < n; d++)
                {
                    if (centre - d >= 0) Visit(line, centre - d);
                    if (centre + d < n) Visit(line, centre + d);
                }
            }
        }
        else if (bestIndex >= 0)
        {
            // Local descent along the winning line: step towards whichever neighbour improves, until neither does.
            Descend(coarseWinner, +1);
            Descend(coarseWinner, -1);
        }

        return new Best(bestIndex, ratios[bestLine], best, evaluations);

        void Descend(int line, int direction)
        {
            for (int k = bestIndex + direction; k >= 0 && k < n; k += direction)
            {
                if (visited[line * n + k]) return; // a coarse point: known not to beat the best

                int before = bestIndex;
                Visit(line, k);
                if (bestIndex == before) return;
            }
        }

        void Visit(int line, int k)
        {
            if (visited[line * n + k]) return;
            visited[line * n + k] = true;
            evaluations++;
            double g = Value(options, k);
            double value = p.Objective(g * ratios[line], g, screening, best);
            if (value < best)
            {
                best = value;
                bestIndex = k;
                bestLine = line;
            }
        }
    }

    /// <summary>
    /// Rate ratios η_h/η_y whose grid lines are searched. First the reference's h_T²/(dx2·dy2), which
    /// assumes the rich fixed point h(∞) = A_low; then two estimates from the conserved
    /// C = h/dx2 − ρ·y/h, which also hold in the lazy regime where the reference's ratio is off by
    /// orders of magnitude: C equal at the first and last fitted epochs,
    /// ρ = (h_T − h_0)/dx2 / (y_T/h_T − y_0/h_0), and the least-squares slope of h/dx2 against y/h
    /// over all fitted epochs (robust to noise on single rows); and a line with nearly frozen h.
    /// Searching all lines keeps the reference's initialisation as a candidate.
    /// </summary>
    public static double[] InitialRatios(FitProblem p)
    {
        double h0 = p.H[0], y0 = p.Y[0], hT = p.H[^1], yT = p.Y[^1];
        double reference = hT * hT / (p.Dx2 * p.Dy2);
        if (!(reference > 0) || !double.IsFinite(reference)) reference = 1.0; // dy2 = 0: every ratio gives A_low = 0.
        Span<double> ratios = stackalloc double[4];
        int count = 0;
        ratios[count++] = reference;
        Add(ratios, ref count, (hT - h0) / p.Dx2 / (yT / hT - y0 / h0));

        double meanX = 0, meanZ = 0;
        int n = p.Count;
        for (int i = 0; i < n; i++)
        {
            meanX += p.Y[i] / p.H[i];
            meanZ += p.H[i] / p.Dx2;
        }

        meanX /= n;
        meanZ /= n;
        double sxz = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = p.Y[i] / p.H[i] - meanX;
            sxz += dx * (p.H[i] / p.Dx2 - meanZ);
            sxx += dx * dx;
        }

        Add(ratios, ref count, sxz / sxx);

        // A near-frozen-h line two decades below every estimate: in the lazy regime with noise η_h is
        // barely identifiable and the estimates above can all be too large, while η_y still must be found.
        double smallest = double.PositiveInfinity;
        for (int i = 0; i < count; i++) smallest = Math.Min(smallest, ratios[i]);
        Add(ratios, ref count, smallest * 1e-2);
        return ratios[..count].ToArray();

        static void Add(Span<double> ratios, ref int count, double ratio)
        {
            if (!(ratio > 0) || !double.IsFinite(ratio)) return;
            for (int i = 0; i < count; i++)
            {
                if (Math.Abs(Math.Log(ratio / ratios[i])) < 1e-3) return;
            }

            ratios[count++] = ratio;
        }
    }
}
