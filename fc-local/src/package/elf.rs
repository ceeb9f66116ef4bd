//! The little of an ELF file `fc-local package` reads: the machine, whether it is
//! position-independent, its dynamic loader, and the newest glibc version it names.

/// The little of an ELF file that matters here.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Elf {
    pub(super) x86_64: bool,
    /// Position-independent (`ET_DYN`): a static-pie binary when it has no interpreter.
    pub(super) pie: bool,
    /// The dynamic loader (`PT_INTERP`); none for a static binary.
    pub(super) interpreter: Option<String>,
    /// The newest `GLIBC_2.x` symbol version it names.
    pub(super) max_glibc: Option<(u32, u32)>,
}

impl Elf {
    /// The header of `bytes`; None when it is not an ELF file.
    pub(super) fn parse(bytes: &[u8]) -> Option<Elf> {
        if bytes.get(..4)? != b"\x7fELF" || *bytes.get(4)? != 2 || *bytes.get(5)? != 1 {
            // Only 64-bit little-endian files are x86-64 executables.
            return if bytes.get(..4)? == b"\x7fELF" {
                Some(Elf {
                    x86_64: false,
                    pie: false,
                    interpreter: None,
                    max_glibc: None,
                })
            } else {
                None
            };
        }
        let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        let u64_at = |at: usize| {
            let value = u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?);
            usize::try_from(value).ok()
        };
        let x86_64 = u16_at(18)? == 0x3e;
        // e_type: ET_DYN
        let pie = u16_at(16)? == 3;
        let (phoff, phentsize, phnum) = (
            u64_at(32)?,
            usize::from(u16_at(54)?),
            usize::from(u16_at(56)?),
        );
        let mut interpreter = None;
        for i in 0..phnum {
            let at = phoff.checked_add(i.checked_mul(phentsize)?)?;
            // PT_INTERP
            if u32_at(at)? == 3 {
                let (offset, size) = (u64_at(at + 8)?, u64_at(at + 32)?);
                let raw = bytes.get(offset..offset.checked_add(size)?)?;
                let text = String::from_utf8_lossy(raw);
                interpreter = Some(text.trim_end_matches('\0').to_owned());
            }
        }
        Some(Elf {
            x86_64,
            pie,
            interpreter,
            max_glibc: max_glibc(bytes),
        })
    }
}

/// The newest `GLIBC_<major>.<minor>` version named in `bytes`.
fn max_glibc(bytes: &[u8]) -> Option<(u32, u32)> {
    let needle = b"GLIBC_";
    let mut best = None;
    let mut i = 0;
    while let Some(pos) = bytes
        .get(i..)?
        .windows(needle.len())
        .position(|w| w == needle)
    {
        let start = i + pos + needle.len();
        let digits = |from: usize| -> (Option<u32>, usize) {
            let end = bytes.get(from..).map_or(0, |rest| {
                rest.iter().take_while(|b| b.is_ascii_digit()).count()
            });
            let text = std::str::from_utf8(&bytes[from..from + end]).ok();
            (text.and_then(|t| t.parse().ok()), from + end)
        };
        let (major, after) = digits(start);
        if let (Some(major), Some(b'.')) = (major, bytes.get(after)) {
            if let (Some(minor), _) = digits(after + 1) {
                best = best.max(Some((major, minor)));
            }
        }
        i = start;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_are_compared_as_numbers() {
        let bytes = b"\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_2.9\0GLIBC_PRIVATE\0";
        assert_eq!(max_glibc(bytes), Some((2, 34)));
        assert_eq!(max_glibc(b"no versions here"), None);
    }

    #[test]
    fn this_test_binary_is_read_as_an_elf() {
        let exe = std::env::current_exe().expect("test binary");
        let bytes = std::fs::read(exe).expect("read test binary");
        let elf = Elf::parse(&bytes).expect("an ELF file");
        assert_eq!(elf.x86_64, cfg!(target_arch = "x86_64"));
        if cfg!(all(target_env = "gnu", target_os = "linux")) {
            assert!(elf.interpreter.is_some(), "{elf:?}");
            assert!(elf.max_glibc.is_some(), "{elf:?}");
        }
        assert!(Elf::parse(b"#!/bin/sh\n").is_none());
    }
}
