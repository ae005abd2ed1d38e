//! Compiles the encoder's C++/CUDA pipeline: `cuda/square.cu` with nvcc when the `cuda` feature
//! is on, `cuda/emulator.cpp` with the host C++ compiler when `emulator` is on. Both include
//! sppark's BLS12-381 headers (DEP_SPPARK_ROOT) and, for sppark's host field types, blst's C
//! sources (DEP_BLST_C_SRC), with `__ADX__` defined exactly when blst was built with it.

use std::{env, path::PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=cuda");
    println!("cargo:rerun-if-env-changed=NVCC");
    println!("cargo:rerun-if-env-changed=CUDA_HOME");
    let sppark = env::var("DEP_SPPARK_ROOT").expect("sppark exports its headers' root");
    let blst = env::var("DEP_BLST_C_SRC").expect("blst exports its C sources");
    let adx = blst_has_adx();

    let configure = |build: &mut cc::Build| {
        build
            .cpp(true)
            .std("c++17")
            .include(&sppark)
            .include(&blst)
            .define("FEATURE_BLS12_381", None)
            .warnings(false);
        if adx {
            build.define("__ADX__", None);
        }
    };

    if env::var_os("CARGO_FEATURE_EMULATOR").is_some() {
        let mut build = cc::Build::new();
        configure(&mut build);
        build
            .flag("-pthread")
            .opt_level(3)
            .file("cuda/emulator.cpp");
        build.compile("weft_square_emulator");
        println!("cargo:rustc-link-lib=pthread");
    }

    if env::var_os("CARGO_FEATURE_CUDA").is_some() {
        let cuda_home = cuda_home();
        let nvcc = env::var("NVCC")
            .map(PathBuf::from)
            .unwrap_or_else(|_| cuda_home.join("bin/nvcc"));
        assert!(
            nvcc.exists(),
            "the `cuda` feature needs nvcc: run `WEFT_GPU=1 scripts/setup`, or set NVCC / CUDA_HOME \
             (looked for {})",
            nvcc.display()
        );
        let lib = cuda_home.join("lib");
        // cc reads the CUDA compiler from NVCC.
        env::set_var("NVCC", &nvcc);
        let mut build = cc::Build::new();
        configure(&mut build);
        build
            .cuda(true)
            .cudart("static")
            // Device code at full speed even in the test profile (cc would add -G otherwise).
            .debug(false)
            .opt_level(3)
            .flag("-gencode")
            .flag("arch=compute_90,code=[sm_90,compute_90]")
            .flag("--expt-relaxed-constexpr")
            .flag(format!("-L{}", lib.display()))
            .file("cuda/square.cu");
        build.compile("weft_square_cuda");
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-lib=static=cudart_static");
        println!("cargo:rustc-link-lib=dl");
        println!("cargo:rustc-link-lib=rt");
        println!("cargo:rustc-link-lib=stdc++");
    }
}

/// The CUDA toolkit: CUDA_HOME, or the PyPI wheels' tree in the workspace's `.cuda-venv`.
fn cuda_home() -> PathBuf {
    if let Ok(home) = env::var("CUDA_HOME") {
        return PathBuf::from(home);
    }
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let venv_lib = manifest.join("../.cuda-venv/lib");
    if let Ok(entries) = std::fs::read_dir(&venv_lib) {
        for entry in entries.flatten() {
            let candidate = entry.path().join("site-packages/nvidia/cu13");
            if candidate.exists() {
                return candidate;
            }
        }
    }
    PathBuf::from("/usr/local/cuda")
}

/// Whether the blst crate compiled its assembly with ADX (its build.rs: the `force-adx`
/// feature, the `adx` target feature, or ADX on the build machine), so that sppark's host
/// field code names the same symbols.
fn blst_has_adx() -> bool {
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64") {
        return false;
    }
    if env::var("CARGO_CFG_TARGET_FEATURE")
        .map(|f| f.split(',').any(|x| x == "adx"))
        .unwrap_or(false)
    {
        return true;
    }
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("adx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
