// The whole square on one backend: the row polynomials, commitments, cells, FK20 proofs and the
// column extension in Fr and G1, each stage one batched launch (or one per NTT layer), the data
// uploaded once and the serialised square downloaded once. `Backend` is the CUDA runtime
// (square.cu) or the host emulator (emulator.cpp); both run this same code.
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "stages.cuh"

namespace weft {

/// Stages timed by `encode`, in order (their names are in the Rust crate's `STAGES`).
enum Stage : int {
    UPLOAD, INTERPOLATE, COMMITMENTS, CELLS, FK20_TOEPLITZ, FK20_MSM, FK20_G1_FFT, COLUMN_FR,
    COLUMN_G1, SERIALIZE, DOWNLOAD, STAGE_COUNT
};

constexpr uint32_t ROW = 4096, EXT_ROW = 8192, CELLS_PER_ROW = 128, G1_PER_ROW = 129;
constexpr uint32_t MAX_K = 128;

/// How work is split into threads — the same on both backends, so that the emulator runs the
/// very partitioning the device does (window groups, segments, chunk sums).
/// Window groups per table base (each thread doubles its base 4·8·group times first).
constexpr uint32_t TABLE_GROUPS = 8;
/// Table points normalised per thread (one inversion each).
constexpr size_t AFFINE_SEGMENT = 64;
/// Terms per thread in a commitment MSM (then a sum over 4096/32 = 128 chunks).
constexpr uint32_t COMMIT_CHUNK = 32;
/// Terms per thread in an FK20 product (then a sum over 64/8 = 8 chunks).
constexpr uint32_t FK20_CHUNK = 8;

/// Each stage's output in canonical bytes (Fr elements 32 bytes big-endian, points 48 bytes
/// compressed): what a device and the emulator are compared on, stage by stage, to find the
/// first stage where they part (the representations inside may differ; these may not).
struct StageDump {
    std::vector<std::vector<uint8_t>> stages;
};

/// Device memory released when it goes out of scope (also when a stage throws).
template <class Backend, class T>
class Owned {
    Backend& be;
    T* ptr;

public:
    Owned(Backend& backend, size_t n) : be(backend), ptr(backend.template alloc<T>(n)) {}
    ~Owned() { be.release(ptr); }
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    operator T*() const { return ptr; }
};

template <class Backend>
class Encoder {
    Backend be;
    fr_t* tw = nullptr;          // TWIDDLES roots
    fr_t* inv2 = nullptr;        // 1 / 2^i, i <= LOG_TWIDDLES
    affine_t* commit_table = nullptr;
    affine_t* fk20_table = nullptr;

    template <class E>
    void ntt(E* data, Strided s, size_t batches, uint32_t n, bool dit, bool inverse) {
        if (n < 2) return;
        for (uint32_t step = 0, half = dit ? 1 : n / 2; step < 31 && half >= 1 && half < n;
             step++, half = dit ? half * 2 : half / 2) {
            if constexpr (std::is_same_v<E, fr_t>)
                be.launch(batches * (n / 2), FrLayer{data, tw, s, n, half, dit, inverse});
            else
                be.launch(batches * (n / 2), G1Layer{data, tw, s, n, half, dit, inverse});
        }
    }

    /// The column code over a row-major `2k × width` array (Fr cells or G1 points): rows
    /// k..2k become the column polynomials of rows 0..k evaluated on the odd coset — copy,
    /// inverse NTT of size k down each column, twist by ω_{2k}^t / k, forward NTT.
    template <class E>
    void extend_columns(E* data, size_t width, uint32_t k, uint32_t log_k) {
        be.launch((size_t)k * width, CopyRows<E>{data, width, k});
        if (k < 2) return;
        Strided col{(size_t)k * width, 1, width};
        ntt(data, col, width, k, true, true);
        if constexpr (std::is_same_v<E, fr_t>)
            be.launch(width * k, FrTwist{data, tw, inv2 + log_k, col, k});
        else
            be.launch(width * k, G1Twist{data, tw, inv2 + log_k, col, k});
        ntt(data, col, width, k, false, false);
    }

    /// Window tables for `bases` points read from `src` (see TableWindows), normalised.
    affine_t* build_table(const xyzz_t* src, size_t bases, uint32_t inner, size_t s_hi,
                          size_t s_lo) {
        size_t entries = bases * TABLE_PER_BASE;
        Owned<Backend, xyzz_t> scratch(be, entries);
        affine_t* table = be.template alloc<affine_t>(entries);
        uint32_t groups = TABLE_GROUPS;
        be.launch(bases * groups,
                  TableWindows{scratch, src, groups, WINDOWS / groups, inner, s_hi, s_lo});
        size_t seg = AFFINE_SEGMENT;
        be.launch((entries + seg - 1) / seg, ToAffine{table, scratch, entries, seg});
        be.sync();
        return table;
    }

    void msm(xyzz_t* dst, const fr_t* scalars, const affine_t* table, size_t outputs,
             uint32_t n, uint32_t chunk, uint32_t inner, size_t s_hi, size_t s_lo, size_t s_i,
             size_t b_lo, size_t d_hi, size_t d_lo) {
        uint32_t chunks = (n + chunk - 1) / chunk;
        Owned<Backend, xyzz_t> partial(be, outputs * chunks);
        be.launch(outputs * chunks,
                  FixedBaseMsm{partial, scalars, table, n, chunk, inner, s_hi, s_lo, s_i, b_lo});
        be.launch(outputs, SumChunks{dst, partial, chunks, inner, d_hi, d_lo});
        be.sync();
    }

public:
    /// `tw_host`: TWIDDLES Montgomery Fr roots; `inv2_host`: 1/2^i for i <= 13; `srs_host`:
    /// the first 4096 monomial G1 points of the ceremony (blst_p1_affine).
    Encoder(const void* tw_host, const void* inv2_host, const void* srs_host) {
        try {
            setup(tw_host, inv2_host, srs_host);
        } catch (...) {
            release_all();
            throw;
        }
    }

    ~Encoder() { release_all(); }

private:
    void release_all() {
        be.release(tw);
        be.release(inv2);
        be.release(commit_table);
        be.release(fk20_table);
        tw = inv2 = nullptr;
        commit_table = fk20_table = nullptr;
    }

    void setup(const void* tw_host, const void* inv2_host, const void* srs_host) {
        tw = be.template alloc<fr_t>(TWIDDLES);
        inv2 = be.template alloc<fr_t>(LOG_TWIDDLES + 1);
        be.upload(tw, tw_host, TWIDDLES * sizeof(fr_t));
        be.upload(inv2, inv2_host, (LOG_TWIDDLES + 1) * sizeof(fr_t));
        Owned<Backend, affine_t> srs(be, ROW);
        be.upload(srs, srs_host, ROW * sizeof(affine_t));

        // Commitments: Σ c_i·[s^i], the bases are the SRS itself.
        {
            Owned<Backend, xyzz_t> points(be, ROW);
            be.launch(ROW, FromAffine{points, srs});
            commit_table = build_table(points, ROW, 1, 1, 0);
        }

        // FK20: the SRS vectors' forward FFTs (natural in, bit-reversed out, as the Toeplitz
        // side will be), tabled per output position q: base q·64 + r is point [r][q].
        Owned<Backend, xyzz_t> srs_vectors(be, 64 * 128);
        be.launch(64 * 128, Fk20SrsInput{srs_vectors, srs});
        ntt((xyzz_t*)srs_vectors, Strided{0, 128, 1}, 64, 128, false, false);
        fk20_table = build_table(srs_vectors, 128 * 64, 64, 1, 128);
    }

    /// Copies `n` Fr elements or G1 points, serialised (32 / 48 bytes each), into `dump`.
    template <class E>
    void snapshot(StageDump* dump, const E* data, size_t n) {
        if (!dump) return;
        constexpr size_t width = std::is_same_v<E, fr_t> ? 32 : 48;
        Owned<Backend, uint8_t> bytes(be, n * width);
        if constexpr (std::is_same_v<E, fr_t>)
            be.launch(n, FrBytes{bytes, data});
        else
            be.launch(n, G1Bytes{bytes, data});
        dump->stages.emplace_back(n * width);
        be.download(dump->stages.back().data(), bytes, n * width);
        be.sync();
    }

public:
    std::string device_name() { return be.device_name(); }

    /// Encodes k rows (`k × 4096` Montgomery Fr elements in blob order) into the extended
    /// square: `cells_out` gets `2k × 8192 × 32` bytes (row-major cells), `points_out`
    /// `2k × 129 × 48` bytes (per row its commitment, then its 128 proofs, compressed).
    /// `stage_ms` gets STAGE_COUNT durations.
    void encode(const void* rows, uint32_t k, uint8_t* cells_out, uint8_t* points_out,
                double* stage_ms, StageDump* dump = nullptr) {
        if (k == 0 || k > MAX_K || (k & (k - 1)))
            throw std::invalid_argument("k must be a power of two <= 128");
        uint32_t log_k = 0;
        while ((1u << log_k) < k) log_k++;
        size_t rows2 = 2 * (size_t)k;

        Owned<Backend, fr_t> coeffs_buf(be, (size_t)k * ROW), square_buf(be, rows2 * EXT_ROW),
            toeplitz_buf(be, (size_t)k * 64 * 128);
        Owned<Backend, xyzz_t> conv_buf(be, (size_t)k * 128), g1_buf(be, rows2 * G1_PER_ROW);
        Owned<Backend, uint8_t> cell_buf(be, rows2 * EXT_ROW * 32),
            point_buf(be, rows2 * G1_PER_ROW * 48);
        fr_t *coeffs = coeffs_buf, *square = square_buf, *toeplitz = toeplitz_buf;
        xyzz_t *conv = conv_buf, *g1 = g1_buf;
        uint8_t *cell_bytes = cell_buf, *point_bytes = point_buf;

        be.start();
        be.upload(coeffs, rows, (size_t)k * ROW * sizeof(fr_t));
        be.mark(UPLOAD);

        // Blob order is bit-reversed evaluation order: a decimation-in-time inverse NTT takes
        // it as it is and gives the coefficients in natural order.
        ntt(coeffs, Strided{0, ROW, 1}, k, ROW, true, true);
        be.launch((size_t)k * ROW, FrScale{coeffs, inv2 + 12});
        be.mark(INTERPOLATE);
        snapshot(dump, coeffs, (size_t)k * ROW);

        msm(g1, coeffs, commit_table, k, ROW, COMMIT_CHUNK, 1, ROW, 0, 1, 0,
            G1_PER_ROW, 0);
        be.mark(COMMITMENTS);
        snapshot(dump, g1, rows2 * G1_PER_ROW);

        // Cells: the forward NTT of size 8192 of the zero-padded polynomial, decimation in
        // frequency, so the evaluations come out in bit-reversed order: the cells' order.
        be.launch((size_t)k * EXT_ROW, CellsInput{square, coeffs});
        ntt(square, Strided{0, EXT_ROW, 1}, k, EXT_ROW, false, false);
        be.mark(CELLS);
        snapshot(dump, square, rows2 * EXT_ROW);

        be.launch((size_t)k * 64 * 128, Fk20Input{toeplitz, coeffs, inv2 + 7});
        ntt(toeplitz, Strided{0, 128, 1}, (size_t)k * 64, 128, false, false);
        be.mark(FK20_TOEPLITZ);
        snapshot(dump, toeplitz, (size_t)k * 64 * 128);

        msm(conv, toeplitz, fk20_table, (size_t)k * 128, 64, FK20_CHUNK, 128,
            64 * 128, 1, 128, 64, 128, 1);
        be.mark(FK20_MSM);
        snapshot(dump, conv, (size_t)k * 128);

        ntt(conv, Strided{0, 128, 1}, k, 128, true, true);
        be.launch((size_t)k * 128, Fk20Select{g1, conv});
        ntt(g1, Strided{1, G1_PER_ROW, 1}, k, 128, false, false);
        be.mark(FK20_G1_FFT);
        snapshot(dump, g1, rows2 * G1_PER_ROW);

        // Column code: rows k..2k are the column polynomials on the odd coset.
        extend_columns(square, EXT_ROW, k, log_k);
        be.mark(COLUMN_FR);
        snapshot(dump, square, rows2 * EXT_ROW);

        extend_columns(g1, G1_PER_ROW, k, log_k);
        be.mark(COLUMN_G1);
        snapshot(dump, g1, rows2 * G1_PER_ROW);

        be.launch(rows2 * EXT_ROW, FrBytes{cell_bytes, square});
        be.launch(rows2 * G1_PER_ROW, G1Bytes{point_bytes, g1});
        be.mark(SERIALIZE);

        be.download(cells_out, cell_bytes, rows2 * EXT_ROW * 32);
        be.download(points_out, point_bytes, rows2 * G1_PER_ROW * 48);
        be.mark(DOWNLOAD);
        be.finish(stage_ms);
    }
};

/// Copies a message into a caller's buffer (NUL-terminated, truncated to fit).
inline void write_error(const char* msg, char* buf, size_t len) {
    if (!buf || !len) return;
    std::strncpy(buf, msg, len - 1);
    buf[len - 1] = 0;
}

/// Runs `f` for the C interface: 0 when it returns, 1 with the exception's message in `err`
/// when it throws.
template <class F>
int guarded(char* err, size_t err_len, F&& f) {
    try {
        f();
        return 0;
    } catch (const std::exception& e) {
        write_error(e.what(), err, err_len);
        return 1;
    }
}

}  // namespace weft

/// The C interface of one backend, named weft_<prefix>_*; returns 0 on success, else 1 with
/// a message in `err`.
#define WEFT_BACKEND_API(prefix, Backend)                                                   \
    extern "C" int weft_##prefix##_new(const void* tw, const void* inv2, const void* srs,   \
                                       void** out, char* err, size_t err_len) {            \
        return weft::guarded(err, err_len,                                                  \
                             [&] { *out = new weft::Encoder<Backend>(tw, inv2, srs); });    \
    }                                                                                       \
    extern "C" int weft_##prefix##_encode(void* enc, const void* rows, uint32_t k,          \
                                          uint8_t* cells, uint8_t* points, double* stage_ms,\
                                          char* err, size_t err_len) {                      \
        return weft::guarded(err, err_len, [&] {                                            \
            static_cast<weft::Encoder<Backend>*>(enc)->encode(rows, k, cells, points,       \
                                                              stage_ms);                    \
        });                                                                                 \
    }                                                                                       \
    extern "C" int weft_##prefix##_encode_stages(void* enc, const void* rows, uint32_t k,   \
                                                 uint8_t* out, size_t out_len,              \
                                                 size_t* written, char* err,                \
                                                 size_t err_len) {                          \
        return weft::guarded(err, err_len, [&] {                                            \
            weft::StageDump dump;                                                           \
            std::vector<uint8_t> cells((size_t)2 * k * 8192 * 32), points((size_t)2 * k * 129 * 48); \
            static_cast<weft::Encoder<Backend>*>(enc)->encode(rows, k, cells.data(),        \
                                                              points.data(), nullptr, &dump); \
            size_t at = 0;                                                                  \
            for (auto& s : dump.stages) {                                                   \
                if (at + s.size() > out_len) throw std::length_error("stage buffer too small"); \
                std::memcpy(out + at, s.data(), s.size());                                  \
                at += s.size();                                                             \
            }                                                                               \
            *written = at;                                                                  \
        });                                                                                 \
    }                                                                                       \
    extern "C" int weft_##prefix##_device_name(void* enc, char* out, size_t len) {          \
        try {                                                                               \
            weft::write_error(static_cast<weft::Encoder<Backend>*>(enc)->device_name()      \
                                  .c_str(), out, len);                                      \
            return 0;                                                                       \
        } catch (const std::exception&) {                                                   \
            return 1;                                                                       \
        }                                                                                   \
    }                                                                                       \
    extern "C" void weft_##prefix##_free(void* enc) {                                       \
        try {                                                                               \
            delete static_cast<weft::Encoder<Backend>*>(enc);                               \
        } catch (...) {                                                                     \
        }                                                                                   \
    }
