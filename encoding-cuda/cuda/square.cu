// The CUDA backend: the pipeline (pipeline.cuh) on an NVIDIA GPU through the CUDA runtime
// (linked statically; the driver's libcuda.so.1 is opened at run time, so a machine without a
// GPU gets a clean "no device" error and the node falls back to the CPU encoder).
#include <cuda_runtime.h>

#include "pipeline.cuh"

namespace weft {

template <class F>
__global__ void each(size_t n, F f) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) f(i);
}

static void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess)
        throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

struct CudaBackend {
    static constexpr unsigned BLOCK = 128;

    cudaStream_t stream = nullptr;
    cudaEvent_t events[STAGE_COUNT + 1] = {};
    int marks[STAGE_COUNT + 1] = {};
    int last = 0;

    CudaBackend() {
        int count = 0;
        check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
        if (count == 0) throw std::runtime_error("no CUDA device");
        check(cudaSetDevice(0), "cudaSetDevice");
        try {
            check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");
            for (auto& e : events) check(cudaEventCreate(&e), "cudaEventCreate");
        } catch (...) {
            destroy();
            throw;
        }
    }
    ~CudaBackend() { destroy(); }
    void destroy() {
        for (auto& e : events)
            if (e) cudaEventDestroy(e);
        if (stream) cudaStreamDestroy(stream);
        stream = nullptr;
        for (auto& e : events) e = nullptr;
    }

    template <class T>
    T* alloc(size_t n) {
        void* p = nullptr;
        check(cudaMalloc(&p, n * sizeof(T) + 1), "cudaMalloc");
        // Zeroed, as the emulator's: stage dumps must not show leftover bytes.
        cudaError_t e = cudaMemsetAsync(p, 0, n * sizeof(T) + 1, stream);
        if (e != cudaSuccess) {
            cudaFree(p);
            check(e, "cudaMemset");
        }
        return static_cast<T*>(p);
    }
    void release(void* p) {
        if (p) cudaFree(p);
    }
    void upload(void* dst, const void* src, size_t bytes) {
        check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream), "upload");
    }
    void download(void* dst, const void* src, size_t bytes) {
        check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream), "download");
    }
    template <class F>
    void launch(size_t n, const F& f) {
        if (n == 0) return;
        size_t blocks = (n + BLOCK - 1) / BLOCK;
        each<<<(unsigned)blocks, BLOCK, 0, stream>>>(n, f);
        check(cudaGetLastError(), "kernel launch");
    }
    void sync() { check(cudaStreamSynchronize(stream), "kernel"); }
    void start() {
        last = 0;
        check(cudaEventRecord(events[0], stream), "cudaEventRecord");
    }
    void mark(int stage) {
        check(cudaEventRecord(events[stage + 1], stream), "cudaEventRecord");
        marks[stage] = last;
        last = stage + 1;
    }
    void finish(double* out) {
        sync();
        for (int s = 0; s < STAGE_COUNT; s++) {
            float ms = 0;
            check(cudaEventElapsedTime(&ms, events[marks[s]], events[s + 1]), "timing");
            if (out) out[s] = ms;
        }
    }
    std::string device_name() {
        cudaDeviceProp prop;
        check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
        return prop.name;
    }
};

}  // namespace weft

WEFT_BACKEND_API(cuda, weft::CudaBackend)

/// Number of CUDA devices; 0 without a driver or a GPU, with the runtime's reason in `why`
/// (e.g. a driver older than this CUDA 13 runtime needs). Never fails.
extern "C" int weft_cuda_device_count(char* why, size_t why_len) {
    int count = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        weft::write_error(cudaGetErrorString(e), why, why_len);
        return 0;
    }
    if (count == 0) weft::write_error("the CUDA runtime reports no device", why, why_len);
    return count;
}
