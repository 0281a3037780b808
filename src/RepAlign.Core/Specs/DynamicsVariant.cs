namespace RepAlign.Core.Specs;

/// <summary>
/// Which right-hand side of the 3-D system to integrate: the true system of docs/theory.md §1 or one of
/// the four altered systems of §3 item 6 used as controls.
/// </summary>
public enum DynamicsVariant
{
    /// <summary>The true two-point system.</summary>
    True,

    /// <summary>The dy/dt equation multiplied by 2.</summary>
    DyTimesTwo,

    /// <summary>The dh/dt equation multiplied by 2.</summary>
    DhTimesTwo,

    /// <summary>The second term of dw/dt (the η_h term) with its sign flipped.</summary>
    WSignFlip,

    /// <summary>The η_h term dropped from the dy/dt equation.</summary>
    NoEtaHInDy,
}
