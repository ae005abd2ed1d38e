// The stages of the square encoder as element-wise functors: each `operator()(i)` does the work
// of one GPU thread. The CUDA backend launches them as kernels; the host emulator runs the same
// functors in a loop, so the logic that runs on the device is tested on machines without one.
#pragma once

#include "point.cuh"

namespace weft {

/// Roots of unity: `tw[i] = ω^i` for the primitive 8192-th root ω of the EIP-7594 domain, in
/// Montgomery form; every smaller power-of-two domain takes every (8192/n)-th entry.
constexpr uint32_t TWIDDLES = 8192;
constexpr uint32_t LOG_TWIDDLES = 13;
/// Fixed-base tables: unsigned 4-bit windows, 64 windows cover a 255-bit scalar, 15 multiples
/// (1..15) of 2^(4j)·P per window j.
constexpr uint32_t WINDOW_BITS = 4;
constexpr uint32_t WINDOWS = 64;
constexpr uint32_t DIGITS = 15;
constexpr uint32_t TABLE_PER_BASE = WINDOWS * DIGITS;

WEFT_FN fr_t root(const fr_t* tw, uint32_t exponent, bool inverse) {
    exponent &= TWIDDLES - 1;
    return tw[inverse ? (TWIDDLES - exponent) & (TWIDDLES - 1) : exponent];
}

/// Where element `idx` of vector `batch` lives in a strided batch of vectors.
struct Strided {
    size_t base, batch_stride, elem_stride;
    WEFT_FN size_t at(size_t batch, size_t idx) const {
        return base + batch * batch_stride + idx * elem_stride;
    }
};

/// Thread t's butterfly in a layer of a batch of NTTs of size n: its batch, its pair of
/// positions (i1 = i0 + half) and its twiddle index j within the group.
struct Butterfly {
    size_t b; uint32_t i0, i1, j;
    WEFT_KERNEL_FN Butterfly(size_t t, uint32_t n, uint32_t half) {
        b = t / (n / 2);
        uint32_t u = (uint32_t)(t % (n / 2));
        j = u % half;
        i0 = (u / half) * 2 * half + j;
        i1 = i0 + half;
    }
};

/// One radix-2 layer of a batch of NTTs of size n over Fr. Decimation in time (bit-reversed
/// input, natural output) runs layers half = 1, 2, … n/2; decimation in frequency (natural
/// input, bit-reversed output) runs them in reverse. One thread per butterfly.
struct FrLayer {
    fr_t* data; const fr_t* tw; Strided s; uint32_t n, half; bool dit, inverse;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        Butterfly f(t, n, half);
        fr_t w = root(tw, f.j * (TWIDDLES / (2 * half)), inverse);
        fr_t& a = data[s.at(f.b, f.i0)];
        fr_t& c = data[s.at(f.b, f.i1)];
        if (dit) {
            fr_t wc = c * w;
            c = a - wc;
            a = a + wc;
        } else {
            fr_t d = a - c;
            a = a + c;
            c = d * w;
        }
    }
};

/// The same layer over G1 points: each twiddle is a scalar multiplication (skipped for ω^0).
struct G1Layer {
    xyzz_t* data; const fr_t* tw; Strided s; uint32_t n, half; bool dit, inverse;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        Butterfly f(t, n, half);
        xyzz_t a = data[s.at(f.b, f.i0)];
        xyzz_t c = data[s.at(f.b, f.i1)];
        canon256 w = fr_canonical(root(tw, f.j * (TWIDDLES / (2 * half)), inverse));
        // One scalar multiplication site for both directions (it is the kernel's bulk):
        // DIT multiplies the odd input, DIF the difference.
        xyzz_t x = dit ? c : add(a, neg(c));
        xyzz_t wx = f.j == 0 ? x : mul(x, w);
        if (dit) {
            data[s.at(f.b, f.i0)] = add(a, wx);
            data[s.at(f.b, f.i1)] = add(a, neg(wx));
        } else {
            data[s.at(f.b, f.i0)] = add(a, c);
            data[s.at(f.b, f.i1)] = wx;
        }
    }
};

/// data[i] *= factor, for i < count.
struct FrScale {
    fr_t* data; const fr_t* factor;
    WEFT_KERNEL_FN void operator()(size_t i) const { data[i] = data[i] * *factor; }
};

/// The column code's twist: element t of every column is multiplied by ω_{2k}^t / k (the
/// inverse FFT's 1/k folded in). Fr and G1 versions; `n` is k.
struct FrTwist {
    fr_t* data; const fr_t* tw; const fr_t* inv_n; Strided s; uint32_t n;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t b = t / n; uint32_t e = (uint32_t)(t % n);
        fr_t c = root(tw, e * (TWIDDLES / (2 * n)), false) * *inv_n;
        fr_t& x = data[s.at(b, e)];
        x = x * c;
    }
};
struct G1Twist {
    xyzz_t* data; const fr_t* tw; const fr_t* inv_n; Strided s; uint32_t n;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t b = t / n; uint32_t e = (uint32_t)(t % n);
        canon256 c = fr_canonical(root(tw, e * (TWIDDLES / (2 * n)), false) * *inv_n);
        data[s.at(b, e)] = mul(data[s.at(b, e)], c);
    }
};

/// Copies rows 0..k of a row-major `rows × width` array into rows k..2k.
template <class T>
struct CopyRows {
    T* data; size_t width, k;
    WEFT_KERNEL_FN void operator()(size_t i) const { data[k * width + i] = data[i]; }
};

/// Lays the k row polynomials (4096 coefficients each) into the first half of 8192-wide rows,
/// zeros in the second half, ready for the forward NTT that yields the cells.
struct CellsInput {
    fr_t* square; const fr_t* coeffs;
    WEFT_KERNEL_FN void operator()(size_t i) const {
        size_t row = i / 8192, e = i % 8192;
        if (e < 4096) square[i] = coeffs[row * 4096 + e];
        else square[i].zero();
    }
};

/// FK20's Toeplitz vectors (one per row r of the 64 × 64 coefficient layout): x_r[i] =
/// c[64·(63 − i) + r] / 128 for i < 64, zero for 64 ≤ i < 128; the 1/128 is the inverse G1
/// FFT's scaling, folded in here. Output `[row][r][i]`.
struct Fk20Input {
    fr_t* out; const fr_t* coeffs; const fr_t* inv128;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t row = t / (64 * 128), r = (t / 128) % 64, i = t % 128;
        if (i < 64) out[t] = coeffs[row * 4096 + 64 * (63 - i) + r] * *inv128;
        else out[t].zero();
    }
};

/// Picks FK20's h_j = G[62 − j] (j ≤ 62; zero above) from the inverse G1 FFT's output and
/// writes it where the row's 128 proofs will be (points `[row][1 + j]` of the 129-wide G1 rows).
struct Fk20Select {
    xyzz_t* g1; const xyzz_t* conv;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t row = t / 128, j = t % 128;
        g1[row * 129 + 1 + j] = j <= 62 ? conv[row * 128 + 62 - j] : xyzz_t::infinity();
    }
};

/// A batch of fixed-base multi-scalar multiplications over precomputed window tables:
/// output o = Σ_i s(o, i)·B(o, i) for i < n, split into chunks of `chunk` terms, one thread per
/// (output, chunk). With hi = o / inner and lo = o % inner: s(o, i) = scalars[hi·s_hi + lo·s_lo
/// + i·s_i] and B(o, i) is base lo·b_lo + i of the table.
struct FixedBaseMsm {
    xyzz_t* partial; const fr_t* scalars; const affine_t* table;
    uint32_t n, chunk, inner; size_t s_hi, s_lo, s_i, b_lo;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        uint32_t chunks = (n + chunk - 1) / chunk;
        size_t o = t / chunks; uint32_t c = (uint32_t)(t % chunks);
        size_t hi = o / inner, lo = o % inner;
        xyzz_t acc = xyzz_t::infinity();
        uint32_t end = (c + 1) * chunk < n ? (c + 1) * chunk : n;
        for (uint32_t i = c * chunk; i < end; i++) {
            canon256 s = fr_canonical(scalars[hi * s_hi + lo * s_lo + i * s_i]);
            const affine_t* entries = table + (lo * b_lo + i) * TABLE_PER_BASE;
            // Word by word, 8 windows per word.
            for (uint32_t wi = 0; wi < 8; wi++) {
                uint32_t word = s.w[wi];
                for (uint32_t nib = 0; nib < 8; nib++) {
                    uint32_t d = (word >> (WINDOW_BITS * nib)) & 0xf;
                    uint32_t j = wi * 8 + nib;
                    if (d) acc = madd(acc, entries[j * DIGITS + d - 1]);
                }
            }
        }
        partial[t] = acc;
    }
};

/// Sums each output's chunks: dst[hi·d_hi + lo·d_lo] = Σ_c partial[o·chunks + c].
struct SumChunks {
    xyzz_t* dst; const xyzz_t* partial; uint32_t chunks, inner; size_t d_hi, d_lo;
    WEFT_KERNEL_FN void operator()(size_t o) const {
        xyzz_t acc = partial[o * chunks];
        for (uint32_t c = 1; c < chunks; c++) acc = add(acc, partial[o * chunks + c]);
        dst[(o / inner) * d_hi + (o % inner) * d_lo] = acc;
    }
};

/// Table entries for base b, windows j in [j0, j0 + per): d·2^(4j)·P for d = 1..15, in XYZZ
/// (normalised to affine afterwards). The base is src[(b / inner)·s_hi + (b % inner)·s_lo].
struct TableWindows {
    xyzz_t* out; const xyzz_t* src; uint32_t groups, per, inner; size_t s_hi, s_lo;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t b = t / groups; uint32_t g = (uint32_t)(t % groups);
        xyzz_t q = src[(b / inner) * s_hi + (b % inner) * s_lo];
        for (uint32_t i = 0; i < WINDOW_BITS * g * per; i++) q = dbl(q);
        for (uint32_t j = g * per; j < (g + 1) * per; j++) {
            xyzz_t e = q;
            xyzz_t* dst = out + (b * WINDOWS + j) * DIGITS;
            dst[0] = e;
            for (uint32_t d = 1; d < DIGITS; d++) { e = add(e, q); dst[d] = e; }
            for (uint32_t i = 0; i < WINDOW_BITS; i++) q = dbl(q);
        }
    }
};

/// XYZZ to affine for `seg` consecutive points per thread, with one inversion per thread
/// (Montgomery's trick: prefix products kept in the outputs' X while going forward).
struct ToAffine {
    affine_t* out; const xyzz_t* in; size_t count, seg;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t lo = t * seg, hi = lo + seg < count ? lo + seg : count;
        fp_t acc = fp_t::one();
        for (size_t i = lo; i < hi; i++) {
            if (!in[i].is_inf()) acc = acc * (in[i].ZZ * in[i].ZZZ);
            out[i].X = acc;
        }
        fp_t inv = inverse(acc);
        for (size_t i = hi; i-- > lo;) {
            if (in[i].is_inf()) { out[i].X.zero(); out[i].Y.zero(); continue; }
            fp_t before = i > lo ? out[i - 1].X : fp_t::one();
            fp_t z = inv * before;  // 1 / (ZZ·ZZZ)
            inv = inv * (in[i].ZZ * in[i].ZZZ);
            out[i].X = in[i].X * (z * in[i].ZZZ);
            out[i].Y = in[i].Y * (z * in[i].ZZ);
        }
    }
};

/// Affine to XYZZ.
struct FromAffine {
    xyzz_t* out; const affine_t* in;
    WEFT_KERNEL_FN void operator()(size_t i) const { out[i] = xyzz_t::from_affine(in[i]); }
};

/// FK20's SRS vectors before their FFT: y_r[u] = [s^(64u + r)] for u ≤ 62, zero for u ≥ 63,
/// laid out `[r][u]` (64 × 128).
struct Fk20SrsInput {
    xyzz_t* out; const affine_t* srs;
    WEFT_KERNEL_FN void operator()(size_t t) const {
        size_t r = t / 128, u = t % 128;
        out[t] = u <= 62 ? xyzz_t::from_affine(srs[64 * u + r]) : xyzz_t::infinity();
    }
};

/// Output: 32 big-endian bytes per field element.
struct FrBytes {
    uint8_t* out; const fr_t* in;
    WEFT_KERNEL_FN void operator()(size_t i) const { be_bytes(fr_canonical(in[i]), out + 32 * i); }
};

/// Output: 48-byte compressed points.
struct G1Bytes {
    uint8_t* out; const xyzz_t* in;
    WEFT_KERNEL_FN void operator()(size_t i) const { compress(in[i], out + 48 * i); }
};

}  // namespace weft
