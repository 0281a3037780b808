using RepAlign.Core;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>
/// Valid 1-D convolution (stride 1, no padding) computed as im2col + matrix product, with the weights
/// of a <c>Conv1d</c> module. Why not <c>conv1d</c>: libtorch's float32 convolution (oneDNN 3.7.1 in
/// TorchSharp 0.107) returns wrong values on this machine's AVX-512 CPU when the input has a channel
/// count that is not a multiple of 16 (e.g. 20) and a batch above 1 — off by whole units, not rounding. The
/// matrix-product form uses only GEMM and autograd's standard
/// view/matmul backward, matches ONNX Runtime's Conv and float64 <c>conv1d</c>, and is deterministic
/// (ConvolutionTests check values and gradients against float64 <c>conv1d</c>).
/// </summary>
public static class Convolution
{
    /// <summary>
    /// y[b, o, t] = bias[o] + Σ_c Σ_j weight[o, c, j] · x[b, c, t + j]: (B, C_in, L) with weight
    /// (C_out, C_in, k) → (B, C_out, L − k + 1).
    /// </summary>
    public static Tensor Valid1d(Tensor input, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        long batch = input.shape[0], inChannels = input.shape[1], length = input.shape[2];
        long outChannels = weight.shape[0], kernel = weight.shape[2];
        if (weight.shape[1] != inChannels) Throw.Argument(nameof(weight), $"weight has {weight.shape[1]} input channels, the input {inChannels}");
        var outLength = length - kernel + 1;
        var columns = input.unfold(2, kernel, 1) // (B, C_in, L', k)
            .permute(0, 2, 1, 3) // (B, L', C_in, k)
            .reshape(batch, outLength, inChannels * kernel); // (B, L', C_in·k)
        var y = columns.matmul(weight.reshape(outChannels, inChannels * kernel).t()); // (B, L', C_out)
        if (bias is not null) y = OwnedScalars.Add(y, bias); // (B, L', C_out)
        return y.transpose(1, 2); // (B, C_out, L')
    }
}
