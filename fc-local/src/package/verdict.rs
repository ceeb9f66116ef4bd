//! What the package's executable means for FC's Debian-based custom runtimes: whether
//! FC can run it, and on which runtimes (from its ELF header and the glibc it needs).

use super::elf::Elf;

/// glibc of FC's Debian-based custom runtimes.
const DEBIAN_GLIBC: [(&str, (u32, u32)); 3] = [
    ("custom.debian10", (2, 28)),
    ("custom.debian11", (2, 31)),
    ("custom.debian12", (2, 36)),
];

/// What the package's binary means for FC's Debian runtimes.
#[derive(Debug)]
pub(super) struct Verdict {
    /// FC can run it.
    pub(super) ok: bool,
    /// On some of FC's Debian runtimes only.
    pub(super) partial: bool,
    pub(super) text: String,
}

impl Verdict {
    fn bad(text: String) -> Self {
        Self {
            ok: false,
            partial: false,
            text,
        }
    }

    fn good(text: String) -> Self {
        Self {
            ok: true,
            partial: false,
            text,
        }
    }
}

/// The verdict on an executable's `bytes`.
pub(super) fn describe(bytes: &[u8]) -> Verdict {
    let Some(elf) = Elf::parse(bytes) else {
        return Verdict::bad("not an ELF executable: FC runs x86-64 Linux binaries".to_owned());
    };
    if !elf.x86_64 {
        return Verdict::bad(
            "not an x86-64 binary: FC's custom runtimes are x86-64 Linux (build with \
             --target x86_64-unknown-linux-musl, fc-local package's default)"
                .to_owned(),
        );
    }
    let Some(interpreter) = elf.interpreter else {
        let kind = if elf.pie { "static-pie" } else { "static" };
        return Verdict::good(format!(
            "{kind} x86-64 binary, needing no glibc: runs on custom.debian10, 11 and 12 alike, \
             and in an empty (scratch) container image"
        ));
    };
    let Some((major, minor)) = elf.max_glibc else {
        return Verdict::good(format!(
            "dynamically linked ({interpreter}) without versioned glibc symbols; a static \
             musl build (fc-local package's default) is safest"
        ));
    };
    let runs: Vec<&str> = DEBIAN_GLIBC
        .iter()
        .filter(|(_, have)| *have >= (major, minor))
        .map(|(name, _)| *name)
        .collect();
    let not: Vec<String> = DEBIAN_GLIBC
        .iter()
        .filter(|(_, have)| *have < (major, minor))
        .map(|(name, (a, b))| format!("{name} (glibc {a}.{b})"))
        .collect();
    let text = if not.is_empty() {
        format!(
            "links glibc dynamically, needing glibc {major}.{minor}: runs on {}, not in an \
             empty (scratch) container image (no {interpreter} there)",
            runs.join(", ")
        )
    } else {
        format!(
            "links glibc dynamically, needing glibc {major}.{minor}: runs on {} but not on {} \
             (fc-local package's default, a static musl build, runs on all)",
            if runs.is_empty() {
                "none of them".to_owned()
            } else {
                runs.join(", ")
            },
            not.join(", ")
        )
    };
    Verdict {
        ok: true,
        partial: !not.is_empty(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_name_the_debian_runtimes() {
        let mut fake = vec![0u8; 64];
        fake[..6].copy_from_slice(b"\x7fELF\x02\x01");
        fake[18] = 0x3e;
        let text = describe(&fake).text;
        assert!(text.starts_with("static x86-64 binary"), "{text}");
        fake.extend_from_slice(b"GLIBC_2.34\0");
        // No program headers: still static, whatever strings it holds.
        assert!(describe(&fake).text.starts_with("static"));
        fake[16] = 3;
        assert!(describe(&fake).text.starts_with("static-pie x86-64 binary"));
    }

    /// A 64-bit x86-64 ELF header with one `PT_INTERP` program header, then `tail`.
    fn dynamic_elf(tail: &[u8]) -> Vec<u8> {
        let interp = b"/lib64/ld-linux-x86-64.so.2\0";
        let mut elf = vec![0u8; 120];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[16] = 3;
        elf[18] = 0x3e;
        elf[32..40].copy_from_slice(&64u64.to_le_bytes());
        elf[54..56].copy_from_slice(&56u16.to_le_bytes());
        elf[56..58].copy_from_slice(&1u16.to_le_bytes());
        elf[64..68].copy_from_slice(&3u32.to_le_bytes());
        elf[72..80].copy_from_slice(&120u64.to_le_bytes());
        elf[96..104].copy_from_slice(&(interp.len() as u64).to_le_bytes());
        elf.extend_from_slice(interp);
        elf.extend_from_slice(tail);
        elf
    }

    #[test]
    fn glibc_2_28_runs_on_every_debian_runtime_but_not_in_scratch() {
        let verdict = describe(&dynamic_elf(b"GLIBC_2.2.5\0GLIBC_2.28\0"));
        assert!(verdict.ok && !verdict.partial, "{verdict:?}");
        assert!(
            verdict.text.contains(
                "needing glibc 2.28: runs on custom.debian10, custom.debian11, custom.debian12"
            ),
            "{verdict:?}"
        );
        assert!(verdict.text.contains("scratch"), "{verdict:?}");
        let newer = describe(&dynamic_elf(b"GLIBC_2.34\0"));
        assert!(newer.ok && newer.partial, "{newer:?}");
        assert!(
            newer.text.contains(
                "runs on custom.debian12 but not on custom.debian10 (glibc 2.28), \
                 custom.debian11 (glibc 2.31)"
            ),
            "{newer:?}"
        );
    }
}
