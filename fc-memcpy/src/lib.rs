//! `memcpy` and `memmove` for fc's static musl binaries on x86_64.
//!
//! musl's own `memcpy` is `rep movsq` with single-byte moves before and after it, slow
//! for the short copies a server makes all the time (header names and values, pieces of
//! JSON, small values moved): in fc's benchmark it took 9 % of an echo function's CPU
//! where glibc's took 2 %, and the packaged gRPC greeter served 0.89× the glibc build's
//! calls at 16 streams. With these (`c/memcpy.c`: overlapping 2- to 16-byte moves up to
//! 32 bytes, 16-byte moves up to 256, `rep movsb` beyond) it served 1.11×.
//!
//! The build script compiles them for `x86_64-unknown-linux-musl` only, and the linker
//! takes them before musl's: fc's default feature `musl-memcpy` links this crate into
//! musl x86_64 builds. There is nothing to call; on any other target the crate is empty.

#[cfg(all(test, target_env = "musl", target_arch = "x86_64"))]
mod tests {
    use std::hint::black_box;

    /// Every length up to 300 (each path, and each boundary between them), a few long
    /// ones, from and to every offset within 16 bytes.
    fn lengths() -> impl Iterator<Item = usize> {
        (0..=300).chain([511, 512, 513, 1000, 4096 + 7, 65_536 + 3])
    }

    fn pattern(len: usize, seed: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + seed * 7 + 1) as u8).collect()
    }

    #[test]
    fn copies_every_length_at_every_offset() {
        for n in lengths() {
            let offsets = if n > 300 { 0..4 } else { 0..16 };
            for from in offsets.clone() {
                for to in offsets.clone() {
                    let src = pattern(n + 16, n + from);
                    let mut dst = vec![0xAA; n + 32];
                    // A length the compiler cannot see: a call to `memcpy`.
                    let len = black_box(n);
                    dst[to..to + len].copy_from_slice(&src[from..from + len]);
                    for i in 0..dst.len() {
                        let want = if (to..to + n).contains(&i) {
                            src[from + i - to]
                        } else {
                            0xAA
                        };
                        assert_eq!(
                            black_box(dst[i]),
                            want,
                            "n {n}, from {from}, to {to}, byte {i}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn moves_overlapping_either_way() {
        for n in lengths() {
            for shift in [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257] {
                let original = pattern(n + shift, n + shift);
                // The destination after the source, then before it.
                for (from, to) in [(0, shift), (shift, 0)] {
                    let mut buf = original.clone();
                    buf.copy_within(from..from + black_box(n), to);
                    for i in 0..buf.len() {
                        let want = if (to..to + n).contains(&i) {
                            original[from + i - to]
                        } else {
                            original[i]
                        };
                        assert_eq!(
                            black_box(buf[i]),
                            want,
                            "n {n}, from {from}, to {to}, byte {i}"
                        );
                    }
                }
            }
        }
    }

    /// The test binary links these, not musl's: musl's `memcpy` object (which also
    /// defines `__memcpy_fwd`, for its `memmove`) is not in it.
    #[test]
    fn musls_memcpy_is_not_linked() {
        let binary = std::fs::read("/proc/self/exe").expect("read the test binary");
        // Spelled backwards here: the name itself would otherwise be in this binary.
        let needle: Vec<u8> = b"dwf_ypcmem__".iter().rev().copied().collect();
        assert!(
            !binary.windows(needle.len()).any(|w| w == needle.as_slice()),
            "musl's memcpy is linked: the linker took it before fc's"
        );
    }
}
