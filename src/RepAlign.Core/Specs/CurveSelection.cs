namespace RepAlign.Core.Specs;

/// <summary>Which fitted curves fit/curves keeps (the pipeline key <c>fit.curves</c>); every (pair, layer) gets a fits row whatever the choice.</summary>
public enum CurveSelection
{
    /// <summary>The pairs a report shows: the first pair of every (unordered) class pair (unlabelled data: the first pair).</summary>
    Report,

    /// <summary>Every pair.</summary>
    All,

    /// <summary>None: fit/curves is empty.</summary>
    None,
}
