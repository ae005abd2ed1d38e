// The host emulator: the CUDA pipeline's code (pipeline.cuh, stages.cuh) run on the CPU, one
// loop iteration per GPU thread, on sppark's blst-backed host field types. Built for tests on
// machines without a GPU: what it checks is the pipeline's logic, not the device's speed.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "pipeline.cuh"

namespace weft {

struct HostBackend {
    using clock = std::chrono::steady_clock;
    clock::time_point last;
    double ms[STAGE_COUNT] = {};

    template <class T>
    T* alloc(size_t n) {
        // Zeroed, as the CUDA backend's: stage dumps must not show leftover bytes.
        void* p = std::calloc(n * sizeof(T) + 1, 1);
        if (!p) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void release(void* p) { std::free(p); }
    void upload(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
    void download(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

    /// Runs f(0..n) over the machine's cores: like a grid, iterations write disjoint outputs.
    template <class F>
    void launch(size_t n, const F& f) {
        size_t workers = std::max(1u, std::thread::hardware_concurrency());
        if (n < 64 || workers == 1) {
            for (size_t i = 0; i < n; i++) f(i);
            return;
        }
        std::vector<std::thread> pool;
        for (size_t w = 0; w < workers; w++)
            pool.emplace_back([&, w] {
                for (size_t i = w; i < n; i += workers) f(i);
            });
        for (auto& t : pool) t.join();
    }
    void sync() {}
    void start() { last = clock::now(); }
    void mark(int stage) {
        auto now = clock::now();
        ms[stage] = std::chrono::duration<double, std::milli>(now - last).count();
        last = now;
    }
    void finish(double* out) {
        if (out) std::copy(ms, ms + STAGE_COUNT, out);
    }
    std::string device_name() { return "host emulator"; }
};

}  // namespace weft

WEFT_BACKEND_API(emu, weft::HostBackend)
