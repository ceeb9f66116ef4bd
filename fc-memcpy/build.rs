//! Compiles `c/memcpy.c` for musl x86_64 targets; nothing elsewhere.

fn main() {
    println!("cargo:rerun-if-changed=c/memcpy.c");
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_ENV") != "musl" || target("CARGO_CFG_TARGET_ARCH") != "x86_64" {
        return;
    }
    cc::Build::new()
        .file("c/memcpy.c")
        .opt_level(2)
        // No call to `memcpy` made out of a copy loop, inside `memcpy` itself.
        .flag("-fno-builtin")
        .flag_if_supported("-fno-tree-loop-distribute-patterns")
        .compile("fc_memcpy");
}
