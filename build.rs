//! Link settings for the binaries; nothing is generated.
//!
//! On Linux with glibc the binaries are linked with packed relative relocations
//! (`-z pack-relative-relocs`, DT_RELR): the position-independent binary has about 400,000 relative
//! relocations (polars' tables, the catalog's strings), and as plain `RELA` entries they were a
//! 9.6 MB table that the loader reads at every start and that stayed resident for the whole run,
//! about 9.5 MB of every run's peak memory (benches/README.md, thirty-fourth run). Packed, they are
//! 74 KB. The binary stays position-independent (the loader still randomizes its address).
//!
//! GNU ld (2.38 and later), lld and mold know the option; an older GNU ld warns and ignores it.
//! The linker marks such a binary as needing glibc's `GLIBC_ABI_DT_RELR` (glibc 2.36 and later),
//! so an older loader refuses it with a version error instead of running it wrongly.
//! `LICDIAG_PLAIN_RELOCS=1` at build time links without it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=LICDIAG_PLAIN_RELOCS");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let plain = std::env::var_os("LICDIAG_PLAIN_RELOCS").is_some_and(|v| !v.is_empty() && v != "0");
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !plain {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
