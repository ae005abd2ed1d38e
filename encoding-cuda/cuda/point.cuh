// BLS12-381 arithmetic shared by the CUDA kernels and the host emulator: the same source is
// compiled by nvcc for the device (sppark's PTX Montgomery types) and by the host C++ compiler
// for tests on machines without a GPU (sppark's blst-backed host types).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ff/bls12-381.hpp>

#ifdef __CUDACC__
#define WEFT_FN __device__ __forceinline__
#define WEFT_KERNEL_FN __device__
#else
#define WEFT_FN inline
#define WEFT_KERNEL_FN
#endif

namespace weft {

using fp_t = bls12_381::fp_t;
using fr_t = bls12_381::fr_t;

/// 32-bit little-endian words of a field element's memory (both backends store limbs LE).
template <class F>
WEFT_FN const uint32_t* words(const F& x) { return reinterpret_cast<const uint32_t*>(&x); }

/// An element in canonical (non-Montgomery) form, as 32-bit little-endian words.
struct canon256 { uint32_t w[8]; };
struct canon384 { uint32_t w[12]; };

WEFT_FN canon256 fr_canonical(fr_t x) {
    x.from();
    canon256 out;
    const uint32_t* p = words(x);
    for (int i = 0; i < 8; i++) out.w[i] = p[i];
    return out;
}

WEFT_FN canon384 fp_canonical(fp_t x) {
    x.from();
    canon384 out;
    const uint32_t* p = words(x);
    for (int i = 0; i < 12; i++) out.w[i] = p[i];
    return out;
}

WEFT_FN bool is_zero(const fp_t& x) { return (bool)x.is_zero(); }

#ifdef __CUDACC__
#define WEFT_CONSTANT __device__ __constant__ static const
#else
#define WEFT_CONSTANT static const
#endif

/// p − 2 for the BLS12-381 base field, 32-bit little-endian words: the exponent of Fermat's
/// inversion.
WEFT_CONSTANT uint32_t P_MINUS_2[12] = {
    0xffffaaa9, 0xb9feffff, 0xb153ffff, 0x1eabfffe, 0xf6b0f624, 0x6730d2a0,
    0xf38512bf, 0x64774b84, 0x434bacd7, 0x4b1ba7b6, 0x397fe69a, 0x1a0111ea,
};

/// 1/x by Fermat (x^(p−2); 0 for 0), in each thread on its own. sppark's device
/// `reciprocal()` is not used: it pairs neighbouring lanes through full-warp shuffles, so it
/// needs every lane of the warp to call it together, which a point at infinity (an early
/// branch) or a partial last warp would break.
WEFT_FN fp_t inverse(const fp_t& x) {
    fp_t r = fp_t::one();
    for (int wi = 11; wi >= 0; wi--) {
        uint32_t word = P_MINUS_2[wi];
        for (int bit = 31; bit >= 0; bit--) {
            r = r * r;
            if ((word >> bit) & 1) r = r * x;
        }
    }
    return r;
}

/// An affine point as blst lays it out (`blst_p1_affine`, 96 bytes, Montgomery x and y);
/// (0, 0) is the point at infinity.
struct affine_t { fp_t X, Y; };

/// A point in XYZZ coordinates (x = X/ZZ, y = Y/ZZZ, ZZ³ = ZZZ²); ZZ = 0 is infinity.
/// Formulas: hyperelliptic.org EFD, g1p/auto-shortw-xyzz (add-2008-s, madd-2008-s,
/// dbl-2008-s-1, mdbl-2008-s-1), a = 0.
struct xyzz_t {
    fp_t X, Y, ZZZ, ZZ;

    WEFT_FN static xyzz_t infinity() {
        xyzz_t p;
        p.X.zero(); p.Y.zero(); p.ZZZ.zero(); p.ZZ.zero();
        return p;
    }
    WEFT_FN static xyzz_t from_affine(const affine_t& a) {
        xyzz_t p;
        p.X = a.X; p.Y = a.Y;
        bool inf = is_zero(a.X) && is_zero(a.Y);
        p.ZZ = fp_t::one(inf);
        p.ZZZ = p.ZZ;
        return p;
    }
    WEFT_FN bool is_inf() const { return is_zero(ZZ); }
};

WEFT_FN xyzz_t dbl(const xyzz_t& p) {
    if (p.is_inf()) return p;
    fp_t U = p.Y + p.Y;
    fp_t V = U * U;
    fp_t W = U * V;
    fp_t S = p.X * V;
    fp_t XX = p.X * p.X;
    fp_t M = XX + XX + XX;
    xyzz_t r;
    r.X = M * M - (S + S);
    r.Y = M * (S - r.X) - W * p.Y;
    r.ZZ = V * p.ZZ;
    r.ZZZ = W * p.ZZZ;
    return r;
}

/// Doubling of an affine point (mdbl-2008-s-1).
WEFT_FN xyzz_t dbl(const affine_t& a) { return dbl(xyzz_t::from_affine(a)); }

WEFT_FN xyzz_t add(const xyzz_t& p, const xyzz_t& q) {
    if (q.is_inf()) return p;
    if (p.is_inf()) return q;
    fp_t U1 = p.X * q.ZZ;
    fp_t U2 = q.X * p.ZZ;
    fp_t S1 = p.Y * q.ZZZ;
    fp_t S2 = q.Y * p.ZZZ;
    fp_t P = U2 - U1;
    fp_t R = S2 - S1;
    if (is_zero(P)) {
        if (is_zero(R)) return dbl(p);
        return xyzz_t::infinity();
    }
    fp_t PP = P * P;
    fp_t PPP = P * PP;
    fp_t Q = U1 * PP;
    xyzz_t r;
    r.X = R * R - PPP - (Q + Q);
    r.Y = R * (Q - r.X) - S1 * PPP;
    r.ZZ = p.ZZ * q.ZZ * PP;
    r.ZZZ = p.ZZZ * q.ZZZ * PPP;
    return r;
}

/// p + a (an affine (0, 0) is infinity).
WEFT_FN xyzz_t madd(const xyzz_t& p, const affine_t& a) {
    if (is_zero(a.X) && is_zero(a.Y)) return p;
    if (p.is_inf()) return xyzz_t::from_affine(a);
    fp_t U2 = a.X * p.ZZ;
    fp_t S2 = a.Y * p.ZZZ;
    fp_t P = U2 - p.X;
    fp_t R = S2 - p.Y;
    if (is_zero(P)) {
        if (is_zero(R)) return dbl(a);
        return xyzz_t::infinity();
    }
    fp_t PP = P * P;
    fp_t PPP = P * PP;
    fp_t Q = p.X * PP;
    xyzz_t r;
    r.X = R * R - PPP - (Q + Q);
    r.Y = R * (Q - r.X) - p.Y * PPP;
    r.ZZ = p.ZZ * PP;
    r.ZZZ = p.ZZZ * PPP;
    return r;
}

WEFT_FN xyzz_t neg(xyzz_t p) {
    p.Y = -p.Y;
    return p;
}

/// s·p by double-and-add over the 255 bits of a canonical scalar, a word at a time (not
/// unrolled: each step inlines a doubling and an addition, and eight copies would only grow the
/// kernel).
WEFT_FN xyzz_t mul(const xyzz_t& p, const canon256& s) {
    xyzz_t acc = xyzz_t::infinity();
    for (int wi = 7; wi >= 0; wi--) {
        uint32_t word = s.w[wi];
        for (int bit = wi == 7 ? 30 : 31; bit >= 0; bit--) {
            acc = dbl(acc);
            if ((word >> bit) & 1) acc = add(acc, p);
        }
    }
    return acc;
}

/// x as 48 big-endian bytes.
WEFT_FN void be_bytes(const canon384& x, uint8_t* out) {
    for (int i = 0; i < 48; i++) {
        int byte = 47 - i;
        out[i] = (uint8_t)(x.w[byte >> 2] >> (8 * (byte & 3)));
    }
}

/// The ZCash/IETF compressed encoding of a point (48 bytes), as blst_p1_compress writes it:
/// big-endian x with flag bits 0x80 (compressed), 0x40 (infinity), 0x20 (y is the larger of
/// ±y).
WEFT_FN void compress(const xyzz_t& p, uint8_t* out) {
    if (p.is_inf()) {
        out[0] = 0xc0;
        for (int i = 1; i < 48; i++) out[i] = 0;
        return;
    }
    fp_t inv = inverse(p.ZZ * p.ZZZ);  // z^-5
    fp_t x = p.X * (inv * p.ZZZ);             // X / ZZ
    fp_t y = p.Y * (inv * p.ZZ);              // Y / ZZZ
    canon384 cx = fp_canonical(x);
    canon384 cy = fp_canonical(y);
    canon384 cn = fp_canonical(-y);
    bool larger = false;
    for (int i = 11; i >= 0; i--) {
        if (cy.w[i] != cn.w[i]) { larger = cy.w[i] > cn.w[i]; break; }
    }
    be_bytes(cx, out);
    out[0] |= 0x80 | (larger ? 0x20 : 0);
}

/// 32 big-endian bytes of a scalar (the blob encoding of a field element).
WEFT_FN void be_bytes(const canon256& x, uint8_t* out) {
    for (int i = 0; i < 32; i++) {
        int byte = 31 - i;
        out[i] = (uint8_t)(x.w[byte >> 2] >> (8 * (byte & 3)));
    }
}

}  // namespace weft
