namespace RepAlign.Tests;

/// <summary>The tiny two-point sweep the runner, fault and Slurm tests share: 2 variants (leaky, tanh) × 2 values of dx2.</summary>
public static class TinySweep
{
    /// <summary>The sweep's pipeline file text: 16-wide, 3-deep networks, three checkpoints, a 30-point fit grid.</summary>
    /// <param name="name">The experiment name (names the sweep folder).</param>
    /// <param name="epochs">Training epochs of every run.</param>
    /// <param name="seed">train.seed (runs derive their own seeds from it).</param>
    /// <param name="trials">Trials per setting; 1 leaves the key out.</param>
    public static string Toml(string name, int epochs, int seed, int trials = 1) => $$"""
        [experiment]
        name = "{{name}}"{{(trials == 1 ? "" : $"\ntrials = {trials}")}}

        [model]
        width = 16
        depth = 3

        [train]
        epochs = {{epochs}}
        lr = 0.05
        seed = {{seed}}

        [checkpoints]
        count = 3

        [fit]
        grid_points = 30

        [sweep]
        "data.dx2" = [0.5, 1.0]

        [[variants]]
        name = "leaky"

        [[variants]]
        name = "tanh"
        "model.activation" = "tanh"
        """;
}
