using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RepAlign.Training.Loop;

/// <summary>
/// One layer's share of the fast step for batches of more than two rows, in RepAlign's own kernels. Every element of
/// a product is one chain of fused multiply-adds in a fixed order, from its first term to its last:
/// <list type="bullet">
/// <item>forward, y[b, o] = fma(W[o, K−1], x[b, K−1], … fma(W[o, 0], x[b, 0], bias[o])), then leaky relu
/// (v &gt; 0 ? v : v·slope);</item>
/// <item>input gradient, g[b, i] = fma(W[O−1, i], δ[b, O−1], … fma(W[0, i], δ[b, 0], 0)), then, below a leaky relu,
/// g·slope where the activation's output is not positive;</item>
/// <item>weight gradient, ∂W[o, i] = fma(δ[B−1, o], x[B−1, i], … fma(δ[0, o], x[0, i], 0)), applied at once as
/// W ← fma(∂W, −lr, W); bias gradient ∂b[o] = (…(0 + δ[0, o]) + δ[1, o]…) + δ[B−1, o], b ← fma(∂b, −lr, b).</item>
/// </list>
/// Each kernel computes many chains side by side in vectors, so the result is the same, bit for bit, whatever the tile,
/// the vector width, the machine's instruction set, the split of the batch between lanes or the number of lanes: the
/// scalar loops above are its definition, and the tests compare the kernels with them. (libtorch's BLAS sums in an
/// order that depends on the shape and the CPU, and on this project's AMD host runs AVX2 code at about 80 GFLOP/s per
/// core, where these kernels run AVX-512 at about 160: benchmarks/results/train-profile-linux-x64.md, section 9.)
/// <para>
/// Layouts: the weights W (out, in) and the batch's input x (B, in) are row-major, as libtorch keeps them; the lanes'
/// working copies of each layer's input, output and δ are feature-major (features, <c>ld</c>): one row per feature,
/// a column per row of the batch, <c>ld</c> a multiple of <see cref="Width"/>, so that a vector holds 16 rows of the
/// batch. Columns past the batch's rows are padding: computed, finite, never read into a real column.
/// </para>
/// </summary>
internal static unsafe class FmaLayer
{
    /// <summary>Columns per vector: feature-major strides and the lanes' column shares are multiples of it.</summary>
    public const int Width = 16;

    private const int Rows = 8; // rows of a tile: 8 rows × 2 vectors, 16 accumulators

    /// <summary>The feature-major stride for a batch of <paramref name="rows"/> rows: the next multiple of <see cref="Width"/>.</summary>
    public static int Stride(long rows) => checked((int)((rows + Width - 1) / Width * Width));

    /// <summary>
    /// Lane <paramref name="lane"/>'s columns among <paramref name="lanes"/> (1 or 2) of a feature-major buffer of
    /// stride <paramref name="ld"/>: whole vectors, the first lane the larger share.
    /// </summary>
    public static (int Start, int Count) Columns(int lane, int lanes, int ld)
    {
        var vectors = ld / Width;
        var first = lanes == 1 ? vectors : (vectors + 1) / 2;
        return lane == 0 ? (0, first * Width) : (first * Width, (vectors - first) * Width);
    }

    /// <summary>
    /// Columns [<paramref name="c0"/>, +<paramref name="cols"/>) of yᵀ (outputs, ld) = W·xᵀ + b, then leaky relu when
    /// <paramref name="slope"/> is given; W (outputs, inputs) row-major, b (outputs) or null, xᵀ (inputs, ld).
    /// </summary>
    public static void Forward(float* w, float* bias, float* xT, float* yT, int outputs, int inputs, int ld, int c0, int cols, float? slope)
    {
        var end = c0 + cols;
        var o = 0;
        for (; o + Rows <= outputs; o += Rows)
        {
            var c = c0;
            for (; c + 2 * Width <= end; c += 2 * Width) Forward8x2(w + (long)o * inputs, bias == null ? null : bias + o, xT + c, yT + (long)o * ld + c, inputs, ld);
            for (; c < end; c += Width)
                for (var r = o; r < o + Rows; r++) Forward1x1(w + (long)r * inputs, bias == null ? null : bias + r, xT + c, yT + (long)r * ld + c, inputs, ld);
        }
        for (; o < outputs; o++)
            for (var c = c0; c < end; c += Width) Forward1x1(w + (long)o * inputs, bias == null ? null : bias + o, xT + c, yT + (long)o * ld + c, inputs, ld);
        if (slope is { } s)
            for (o = 0; o < outputs; o++) LeakyRelu(yT + (long)o * ld + c0, yT + (long)o * ld + c0, cols, s);
    }

    private static void Forward8x2(float* w, float* bias, float* xT, float* yT, int inputs, int ld)
    {
        var tile = stackalloc Vector512<float>[2 * Rows];
        for (var r = 0; r < Rows; r++) tile[2 * r] = tile[2 * r + 1] = bias != null ? Vector512.Create(bias[r]) : Vector512<float>.Zero;
        Chains8x2(w, inputs, 1, xT, ld, inputs, tile);
        for (var r = 0; r < Rows; r++, yT += ld)
        {
            tile[2 * r].Store(yT);
            tile[2 * r + 1].Store(yT + Width);
        }
    }

    private static void Forward1x1(float* w, float* bias, float* xT, float* yT, int inputs, int ld) =>
        Chain(w, 1, xT, ld, inputs, bias != null ? Vector512.Create(bias[0]) : Vector512<float>.Zero).Store(yT);

    /// <summary>
    /// Columns [<paramref name="c0"/>, +<paramref name="cols"/>) of gᵀ (inputs, ld) = Wᵀ·δᵀ, then, with a
    /// <paramref name="slope"/>, leaky relu's gradient where hᵀ (inputs, ld), the activation's output, is not positive;
    /// W (outputs, inputs) row-major before its update, δᵀ (outputs, ld).
    /// </summary>
    public static void InputGradient(float* w, float* deltaT, float* hT, float* gT, int outputs, int inputs, int ld, int c0, int cols, float? slope)
    {
        var end = c0 + cols;
        var i = 0;
        for (; i + Rows <= inputs; i += Rows)
        {
            var c = c0;
            for (; c + 2 * Width <= end; c += 2 * Width) Gradient8x2(w + i, deltaT + c, gT + (long)i * ld + c, outputs, inputs, ld);
            for (; c < end; c += Width)
                for (var r = i; r < i + Rows; r++) Gradient1x1(w + r, deltaT + c, gT + (long)r * ld + c, outputs, inputs, ld);
        }
        for (; i < inputs; i++)
            for (var c = c0; c < end; c += Width) Gradient1x1(w + i, deltaT + c, gT + (long)i * ld + c, outputs, inputs, ld);
        if (slope is { } s)
            for (i = 0; i < inputs; i++) LeakyRelu(gT + (long)i * ld + c0, hT + (long)i * ld + c0, cols, s);
    }

    private static void Gradient8x2(float* w, float* deltaT, float* gT, int outputs, int inputs, int ld)
    {
        var tile = stackalloc Vector512<float>[2 * Rows];
        for (var r = 0; r < 2 * Rows; r++) tile[r] = Vector512<float>.Zero;
        Chains8x2(w, 1, inputs, deltaT, ld, outputs, tile);
        for (var r = 0; r < Rows; r++, gT += ld)
        {
            tile[2 * r].Store(gT);
            tile[2 * r + 1].Store(gT + Width);
        }
    }

    private static void Gradient1x1(float* w, float* deltaT, float* gT, int outputs, int inputs, int ld) =>
        Chain(w, inputs, deltaT, ld, outputs, Vector512<float>.Zero).Store(gT);

    /// <summary>
    /// The tile's 8 × 2 vectors of chains, continued over <paramref name="count"/> terms: for term k and row r,
    /// tile[2r + c] ← fma(s[r·<paramref name="rowStride"/> + k·<paramref name="termStride"/>], v[k·<paramref name="vectorStride"/> + 16c …], tile[2r + c]).
    /// Each kernel's tile is this loop with its own strides: 16 accumulators, two vector loads and 8 broadcasts a term.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains8x2(float* s, int rowStride, int termStride, float* v, int vectorStride, int count, Vector512<float>* tile)
    {
        Vector512<float> a00 = tile[0], a01 = tile[1], a10 = tile[2], a11 = tile[3], a20 = tile[4], a21 = tile[5], a30 = tile[6], a31 = tile[7];
        Vector512<float> a40 = tile[8], a41 = tile[9], a50 = tile[10], a51 = tile[11], a60 = tile[12], a61 = tile[13], a70 = tile[14], a71 = tile[15];
        float* s0 = s, s1 = s0 + rowStride, s2 = s1 + rowStride, s3 = s2 + rowStride, s4 = s3 + rowStride, s5 = s4 + rowStride, s6 = s5 + rowStride, s7 = s6 + rowStride;
        for (long k = 0, t = 0; k < count; k++, t += termStride, v += vectorStride)
        {
            var v0 = Vector512.Load(v);
            var v1 = Vector512.Load(v + Width);
            var b = Vector512.Create(s0[t]); a00 = Vector512.FusedMultiplyAdd(b, v0, a00); a01 = Vector512.FusedMultiplyAdd(b, v1, a01);
            b = Vector512.Create(s1[t]); a10 = Vector512.FusedMultiplyAdd(b, v0, a10); a11 = Vector512.FusedMultiplyAdd(b, v1, a11);
            b = Vector512.Create(s2[t]); a20 = Vector512.FusedMultiplyAdd(b, v0, a20); a21 = Vector512.FusedMultiplyAdd(b, v1, a21);
            b = Vector512.Create(s3[t]); a30 = Vector512.FusedMultiplyAdd(b, v0, a30); a31 = Vector512.FusedMultiplyAdd(b, v1, a31);
            b = Vector512.Create(s4[t]); a40 = Vector512.FusedMultiplyAdd(b, v0, a40); a41 = Vector512.FusedMultiplyAdd(b, v1, a41);
            b = Vector512.Create(s5[t]); a50 = Vector512.FusedMultiplyAdd(b, v0, a50); a51 = Vector512.FusedMultiplyAdd(b, v1, a51);
            b = Vector512.Create(s6[t]); a60 = Vector512.FusedMultiplyAdd(b, v0, a60); a61 = Vector512.FusedMultiplyAdd(b, v1, a61);
            b = Vector512.Create(s7[t]); a70 = Vector512.FusedMultiplyAdd(b, v0, a70); a71 = Vector512.FusedMultiplyAdd(b, v1, a71);
        }
        (tile[0], tile[1], tile[2], tile[3], tile[4], tile[5], tile[6], tile[7]) = (a00, a01, a10, a11, a20, a21, a30, a31);
        (tile[8], tile[9], tile[10], tile[11], tile[12], tile[13], tile[14], tile[15]) = (a40, a41, a50, a51, a60, a61, a70, a71);
    }

    /// <summary>One vector of chains from <paramref name="start"/>: fma(s[k·<paramref name="termStride"/>], v[k·<paramref name="vectorStride"/> …], ·) for k = 0 … count − 1.</summary>
    private static Vector512<float> Chain(float* s, int termStride, float* v, int vectorStride, int count, Vector512<float> start)
    {
        for (long k = 0, t = 0; k < count; k++, t += termStride, v += vectorStride) start = Vector512.FusedMultiplyAdd(Vector512.Create(s[t]), Vector512.Load(v), start);
        return start;
    }

    /// <summary>
    /// Output rows [<paramref name="start"/>, +<paramref name="count"/>) of a weight's SGD step: ∂W = δᵀ·x over the
    /// batch's <paramref name="rows"/> rows, W ← fma(∂W, −lr, W); δᵀ (outputs, ld), x (rows, inputs) and W (outputs,
    /// inputs) row-major.
    /// </summary>
    public static void Update(float* deltaT, float* x, float* w, int start, int count, int rows, int inputs, int ld, float negativeLr)
    {
        var end = start + count;
        var whole = inputs / (2 * Width) * (2 * Width);
        var o = start;
        for (; o + Rows <= end; o += Rows)
        {
            for (var i = 0; i < whole; i += 2 * Width) Update8x2(deltaT + (long)o * ld, x + i, w + (long)o * inputs + i, rows, inputs, ld, negativeLr);
            for (var r = o; r < o + Rows; r++) UpdateColumns(deltaT + (long)r * ld, x, w + (long)r * inputs, whole, rows, inputs, negativeLr);
        }
        for (; o < end; o++) UpdateColumns(deltaT + (long)o * ld, x, w + (long)o * inputs, 0, rows, inputs, negativeLr);
    }

    private static void Update8x2(float* deltaT, float* x, float* w, int rows, int inputs, int ld, float negativeLr)
    {
        var tile = stackalloc Vector512<float>[2 * Rows];
        for (var r = 0; r < 2 * Rows; r++) tile[r] = Vector512<float>.Zero;
        Chains8x2(deltaT, ld, 1, x, inputs, rows, tile);
        var n = Vector512.Create(negativeLr);
        for (var r = 0; r < Rows; r++, w += inputs)
        {
            Vector512.FusedMultiplyAdd(tile[2 * r], n, Vector512.Load(w)).Store(w);
            Vector512.FusedMultiplyAdd(tile[2 * r + 1], n, Vector512.Load(w + Width)).Store(w + Width);
        }
    }

    /// <summary>Columns [<paramref name="i0"/>, inputs) of one weight row's step (δᵀ's row of that output).</summary>
    private static void UpdateColumns(float* delta, float* x, float* w, int i0, int rows, int inputs, float negativeLr)
    {
        var i = i0;
        for (; i + Width <= inputs; i += Width)
            Vector512.FusedMultiplyAdd(Chain(delta, 1, x + i, inputs, rows, Vector512<float>.Zero), Vector512.Create(negativeLr), Vector512.Load(w + i)).Store(w + i);
        for (; i + Width / 2 <= inputs; i += Width / 2)
        {
            var a = Vector256<float>.Zero;
            for (var b = 0; b < rows; b++) a = Vector256.FusedMultiplyAdd(Vector256.Create(delta[b]), Vector256.Load(x + (long)b * inputs + i), a);
            Vector256.FusedMultiplyAdd(a, Vector256.Create(negativeLr), Vector256.Load(w + i)).Store(w + i);
        }
        for (; i < inputs; i++)
        {
            var a = 0f;
            for (var b = 0; b < rows; b++) a = MathF.FusedMultiplyAdd(delta[b], x[(long)b * inputs + i], a);
            w[i] = MathF.FusedMultiplyAdd(a, negativeLr, w[i]);
        }
    }

    /// <summary>Bias entries [<paramref name="start"/>, +<paramref name="count"/>): ∂b[o] = Σ_b δ[b, o] in the batch's order, b ← fma(∂b, −lr, b); δᵀ (outputs, ld).</summary>
    public static void UpdateBias(float* deltaT, float* bias, int start, int count, int rows, int ld, float negativeLr)
    {
        for (var o = start; o < start + count; o++)
        {
            var d = deltaT + (long)o * ld;
            var sum = 0f;
            for (var b = 0; b < rows; b++) sum += d[b];
            bias[o] = MathF.FusedMultiplyAdd(sum, negativeLr, bias[o]);
        }
    }

    /// <summary>
    /// target[j, r] = source[r, j] for rows r in [<paramref name="r0"/>, +<paramref name="rows"/>) and columns j in
    /// [<paramref name="j0"/>, +<paramref name="columns"/>) of <paramref name="source"/> (row stride
    /// <paramref name="sourceStride"/>) into <paramref name="target"/> (row stride <paramref name="targetStride"/>):
    /// row-major to feature-major, and back.
    /// </summary>
    public static void Transpose(float* source, int sourceStride, float* target, int targetStride, int r0, int rows, int j0, int columns)
    {
        var rEnd = r0 + rows;
        var jEnd = j0 + columns;
        var r = r0;
        if (Avx.IsSupported)
        {
            for (; r + 8 <= rEnd; r += 8)
            {
                var j = j0;
                for (; j + 8 <= jEnd; j += 8) Transpose8x8(source + (long)r * sourceStride + j, sourceStride, target + (long)j * targetStride + r, targetStride);
                for (; j < jEnd; j++)
                    for (var q = r; q < r + 8; q++) target[(long)j * targetStride + q] = source[(long)q * sourceStride + j];
            }
        }
        for (; r < rEnd; r++)
            for (var j = j0; j < jEnd; j++) target[(long)j * targetStride + r] = source[(long)r * sourceStride + j];
    }

    /// <summary>The 8×8 block at <paramref name="source"/> transposed into <paramref name="target"/>: unpack, shuffle, then swap 128-bit halves.</summary>
    private static void Transpose8x8(float* source, int sourceStride, float* target, int targetStride)
    {
        var r0 = Avx.LoadVector256(source);
        var r1 = Avx.LoadVector256(source + sourceStride);
        var r2 = Avx.LoadVector256(source + 2L * sourceStride);
        var r3 = Avx.LoadVector256(source + 3L * sourceStride);
        var r4 = Avx.LoadVector256(source + 4L * sourceStride);
        var r5 = Avx.LoadVector256(source + 5L * sourceStride);
        var r6 = Avx.LoadVector256(source + 6L * sourceStride);
        var r7 = Avx.LoadVector256(source + 7L * sourceStride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(target + targetStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(target + 2L * targetStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(target + 3L * targetStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(target + 4L * targetStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(target + 5L * targetStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(target + 6L * targetStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(target + 7L * targetStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Leaky relu's rule in place: v where <paramref name="sign"/> &gt; 0, else v·slope (forward: the values themselves; backward: the activation's output).</summary>
    private static void LeakyRelu(float* values, float* sign, int count, float slope)
    {
        var i = 0;
        var s = Vector512.Create(slope);
        for (; i + Width <= count; i += Width)
        {
            var v = Vector512.Load(values + i);
            Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(sign + i), Vector512<float>.Zero), v, v * s).Store(values + i);
        }
        for (; i < count; i++) values[i] = sign[i] > 0f ? values[i] : values[i] * slope;
    }
}
