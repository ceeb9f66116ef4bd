//! `fc-local package`: the code package for `custom.debian10/11/12`. Builds the
//! release binary (by default a static musl one, which fc gives jemalloc as its
//! allocator), copies it as `bootstrap` (mode 0755) and writes a zip holding it with
//! that mode, which FC needs to run it. Installs the target's standard library when
//! missing, looks for the C compiler musl builds need, and tells whether the binary is
//! static and, if not, which Debian runtimes its glibc needs.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::args::PackageArgs;
use crate::error::Error;
use crate::ui::{Style, Ui};

/// glibc of FC's Debian-based custom runtimes.
const DEBIAN_GLIBC: [(&str, (u32, u32)); 3] = [
    ("custom.debian10", (2, 28)),
    ("custom.debian11", (2, 31)),
    ("custom.debian12", (2, 36)),
];

/// What `fc-local package` builds for unless told otherwise: a static binary that runs
/// on every Debian runtime and in an empty (scratch) image, as fast as a glibc build
/// with fc's default `jemalloc` feature (bench/candidates.md).
pub(crate) const DEFAULT_TARGET: &str = "x86_64-unknown-linux-musl";

pub(crate) fn run(args: &PackageArgs, ui: &Ui) -> Result<(), Error> {
    let zip = make(args, ui)?;
    ui.out(&zip.display().to_string());
    Ok(())
}

/// Builds (or takes) the executable and writes the package, saying what it did;
/// the zip's path.
pub(crate) fn make(args: &PackageArgs, ui: &Ui) -> Result<PathBuf, Error> {
    let fatal = |e: String| Error::fatal(format!("fc-local package: {e}"));
    let executable = match &args.binary {
        Some(path) => path.clone(),
        None => build(args, ui).map_err(fatal)?,
    };
    let bytes = std::fs::read(&executable)
        .map_err(|e| fatal(format!("cannot read {}: {e}", executable.display())))?;
    let verdict = describe(&bytes);
    if !verdict.ok {
        return Err(Error::failed(format!(
            "fc-local package: {}: {}",
            executable.display(),
            verdict.text
        )));
    }
    let (bootstrap, zip) = write_package(&bytes, &args.out, &args.zip).map_err(fatal)?;
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    ui.say(&format!(
        "fc-local package: {} ({}), and {} ({}) holding it as `bootstrap`, mode 0755",
        bootstrap.display(),
        megabytes(size(&bootstrap)),
        zip.display(),
        megabytes(size(&zip)),
    ));
    let style = if verdict.partial {
        Style::Yellow
    } else {
        Style::Green
    };
    ui.say(&ui.paint(style, &format!("fc-local package: {}", verdict.text)));
    Ok(zip)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// How to build for a `--target`: cargo's subcommand and its `--target`, if any.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// `build`, or `zigbuild` for a glibc-versioned triple.
    subcommand: &'static str,
    /// `--target`'s value; none for `host`.
    target: Option<String>,
    /// The rustc target whose standard library the build needs.
    triple: Option<String>,
}

impl Plan {
    fn new(target: &str) -> Plan {
        if target == "host" {
            return Plan {
                subcommand: "build",
                target: None,
                triple: None,
            };
        }
        // cargo-zigbuild's form: a gnu triple with the glibc version to link against.
        let zig = target
            .split_once("-gnu.")
            .filter(|(_, version)| {
                version
                    .split('.')
                    .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|(triple, _)| format!("{triple}-gnu"));
        Plan {
            subcommand: if zig.is_some() { "zigbuild" } else { "build" },
            target: Some(target.to_owned()),
            triple: Some(zig.unwrap_or_else(|| target.to_owned())),
        }
    }
}

/// The first of `names` found in a `PATH` directory.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Makes sure the target's standard library is installed: `rustup target add` when it
/// is not (rustup is how rustc gets one).
fn ensure_std(triple: &str, ui: &Ui) -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir()
    {
        return Ok(());
    }
    let add = format!("rustup target add {triple}");
    if on_path(&["rustup"]).is_none() {
        return Err(format!(
            "the {triple} standard library is not installed, and there is no rustup to \
             install it (`{add}`)"
        ));
    }
    ui.say(&ui.paint(
        Style::Dim,
        &format!("fc-local package: installing the {triple} standard library: {add}"),
    ));
    let status = Command::new("rustup")
        .args(["target", "add", triple])
        .status()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{add}` failed ({status})"))
    }
}

/// What is installed that a musl build's C code (fc's jemalloc) can be built with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Installed {
    /// A C compiler for musl: `CC_<triple>`/`TARGET_CC` set, `<arch>-linux-musl-gcc`
    /// or `musl-gcc` on PATH.
    musl_cc: bool,
    make: bool,
    cargo_zigbuild: bool,
    zig: bool,
}

impl Installed {
    /// What this machine has, for `triple`.
    fn here(triple: &str) -> Installed {
        let set = [
            format!("CC_{triple}"),
            format!("CC_{}", triple.replace('-', "_")),
            "TARGET_CC".to_owned(),
        ];
        let arch = triple.split('-').next().unwrap_or_default();
        let prefixed = format!("{arch}-linux-musl-gcc");
        Installed {
            musl_cc: set.iter().any(|name| std::env::var_os(name).is_some())
                || on_path(&[prefixed.as_str(), "musl-gcc"]).is_some(),
            make: on_path(&["make"]).is_some(),
            cargo_zigbuild: on_path(&["cargo-zigbuild"]).is_some(),
            zig: on_path(&["zig"]).is_some(),
        }
    }
}

/// How a build for `triple` gets its C code compiled.
#[derive(Debug, PartialEq, Eq)]
enum CBuild {
    /// `cargo build`: not musl, or a musl C compiler and make are here.
    Cargo,
    /// `cargo zigbuild`: no musl C compiler, but cargo-zigbuild and zig (zig is the
    /// C compiler) and make.
    Zigbuild,
    /// Neither: why, and how to get either (the build is tried anyway: a crate
    /// without C code needs none).
    Missing(String),
}

/// The decision, from what is installed alone.
fn c_build(triple: &str, installed: Installed) -> CBuild {
    if !triple.ends_with("-linux-musl") {
        return CBuild::Cargo;
    }
    match installed {
        Installed {
            musl_cc: true,
            make: true,
            ..
        } => return CBuild::Cargo,
        Installed {
            musl_cc: false,
            make: true,
            cargo_zigbuild: true,
            zig: true,
        } => return CBuild::Zigbuild,
        _ => {}
    }
    let arch = triple.split('-').next().unwrap_or_default();
    let cc = format!("{arch}-linux-musl-gcc or musl-gcc");
    let missing = match (installed.musl_cc, installed.make) {
        (false, true) => format!("no C compiler for {triple} ({cc})"),
        (true, false) => "no make".to_owned(),
        _ => format!("no C compiler for {triple} ({cc}) and no make"),
    };
    let zig_too = if installed.musl_cc {
        String::new()
    } else {
        format!(
            ", or cargo-zigbuild and zig (`pip install ziglang cargo-zigbuild`; {})",
            match (installed.cargo_zigbuild, installed.zig) {
                (true, false) => "cargo-zigbuild is here, zig is not",
                (false, true) => "zig is here, cargo-zigbuild is not",
                _ => "neither is here",
            }
        )
    };
    CBuild::Missing(format!(
        "{missing} on PATH: fc's jemalloc allocator (C, built with make) and any other crate \
         with C code need them. Install musl-tools and make (`sudo apt-get install musl-tools \
         make` on Debian and Ubuntu){zig_too}, or set CC_{} to a musl C compiler",
        triple.replace('-', "_")
    ))
}

/// For a musl target: why fc's jemalloc (C, built with `make`) or another crate with C
/// code would fail to build here, when it would.
#[cfg(test)]
fn musl_cc_missing(triple: &str) -> Option<String> {
    match c_build(triple, Installed::here(triple)) {
        CBuild::Missing(why) => Some(why),
        CBuild::Cargo | CBuild::Zigbuild => None,
    }
}

/// `cargo build --release` (or `cargo zigbuild`), reading the executable's path from
/// cargo's JSON messages (so any target directory and workspace layout works).
fn build(args: &PackageArgs, ui: &Ui) -> Result<PathBuf, String> {
    let (kind, name) = match (&args.bin, &args.example) {
        (Some(bin), _) => ("bin", bin.as_str()),
        (None, Some(example)) => ("example", example.as_str()),
        (None, None) => return Err("name a --bin, an --example or a --binary".to_owned()),
    };
    let mut plan = Plan::new(&args.target);
    if plan.subcommand == "zigbuild" && on_path(&["cargo-zigbuild"]).is_none() {
        return Err(format!(
            "--target {} links against that glibc with cargo-zigbuild, which is not on PATH: \
             `pip install ziglang cargo-zigbuild` installs it and zig",
            args.target
        ));
    }
    let mut missing_cc = None;
    if let Some(triple) = &plan.triple {
        ensure_std(triple, ui)?;
        match c_build(triple, Installed::here(triple)) {
            CBuild::Cargo => {}
            CBuild::Zigbuild => {
                plan.subcommand = "zigbuild";
                ui.say(&ui.paint(
                    Style::Dim,
                    &format!(
                        "fc-local package: no C compiler for {triple}: cargo zigbuild builds \
                         the C code with zig"
                    ),
                ));
            }
            CBuild::Missing(why) => {
                ui.say(&ui.paint(Style::Yellow, &format!("fc-local package: note: {why}")));
                missing_cc = Some(why);
            }
        }
    }
    let mut words = vec![plan.subcommand.to_owned(), "--release".to_owned()];
    if args.locked {
        words.push("--locked".to_owned());
    }
    if let Some(target) = &plan.target {
        words.extend(["--target".to_owned(), target.clone()]);
    }
    if let Some(package) = &args.package {
        words.extend(["--package".to_owned(), package.clone()]);
    }
    words.extend([format!("--{kind}"), name.to_owned()]);
    ui.say(&ui.paint(
        Style::Dim,
        &format!("fc-local package: cargo {}", words.join(" ")),
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .args(&words)
        .arg("--message-format=json-render-diagnostics")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(path) = artifact(&line, name, kind) {
                executable = Some(path);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo: {e}"))?;
    if !status.success() {
        return Err(match missing_cc {
            Some(why) => format!("cargo build failed ({status}); perhaps for this: {why}"),
            None => format!("cargo build failed ({status})"),
        });
    }
    executable.ok_or_else(|| format!("cargo built no executable named `{name}`"))
}

/// The executable in one of cargo's JSON messages, when it is `name`'s.
fn artifact(line: &str, name: &str, kind: &str) -> Option<PathBuf> {
    let message: serde_json::Value = serde_json::from_str(line).ok()?;
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = message.get("target")?;
    let kinds = target.get("kind")?.as_array()?;
    if target.get("name")?.as_str()? != name || !kinds.iter().any(|k| k.as_str() == Some(kind)) {
        return None;
    }
    Some(PathBuf::from(message.get("executable")?.as_str()?))
}

/// Writes the executable's `bytes` to `<out>/bootstrap` with mode 0755 and zips it
/// as `bootstrap`, mode 0755, into `<out>/<zip_name>`.
fn write_package(bytes: &[u8], out: &Path, zip_name: &str) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let bootstrap = out.join("bootstrap");
    std::fs::write(&bootstrap, bytes)
        .map_err(|e| format!("cannot write {}: {e}", bootstrap.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("cannot make {} executable: {e}", bootstrap.display()))?;
    }
    let zip_path = out.join(zip_name);
    let file = std::fs::File::create(&zip_path)
        .map_err(|e| format!("cannot create {}: {e}", zip_path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
    let failed = |e: &dyn std::fmt::Display| format!("writing {}: {e}", zip_path.display());
    zip.start_file("bootstrap", options)
        .map_err(|e| failed(&e))?;
    zip.write_all(bytes).map_err(|e| failed(&e))?;
    zip.finish().map_err(|e| failed(&e))?;
    Ok((bootstrap, zip_path))
}

/// What the package's binary means for FC's Debian runtimes.
#[derive(Debug)]
struct Verdict {
    /// FC can run it.
    ok: bool,
    /// On some of FC's Debian runtimes only.
    partial: bool,
    text: String,
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

fn describe(bytes: &[u8]) -> Verdict {
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

/// The little of an ELF file that matters here.
#[derive(Debug, PartialEq, Eq)]
struct Elf {
    x86_64: bool,
    /// Position-independent (`ET_DYN`): a static-pie binary when it has no interpreter.
    pie: bool,
    /// The dynamic loader (`PT_INTERP`); none for a static binary.
    interpreter: Option<String>,
    /// The newest `GLIBC_2.x` symbol version it names.
    max_glibc: Option<(u32, u32)>,
}

impl Elf {
    fn parse(bytes: &[u8]) -> Option<Elf> {
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

    #[test]
    fn targets_choose_cargo_build_or_zigbuild() {
        assert_eq!(
            Plan::new(DEFAULT_TARGET),
            Plan {
                subcommand: "build",
                target: Some(DEFAULT_TARGET.to_owned()),
                triple: Some(DEFAULT_TARGET.to_owned()),
            }
        );
        assert_eq!(
            Plan::new("host"),
            Plan {
                subcommand: "build",
                target: None,
                triple: None,
            }
        );
        assert_eq!(
            Plan::new("x86_64-unknown-linux-gnu.2.28"),
            Plan {
                subcommand: "zigbuild",
                target: Some("x86_64-unknown-linux-gnu.2.28".to_owned()),
                triple: Some("x86_64-unknown-linux-gnu".to_owned()),
            }
        );
        assert_eq!(Plan::new("x86_64-unknown-linux-gnu").subcommand, "build");
    }

    #[test]
    fn without_a_musl_c_compiler_zigbuild_is_used_when_it_and_zig_are_here() {
        let all = Installed {
            musl_cc: true,
            make: true,
            cargo_zigbuild: true,
            zig: true,
        };
        assert_eq!(c_build(DEFAULT_TARGET, all), CBuild::Cargo);
        let no_cc = Installed {
            musl_cc: false,
            ..all
        };
        assert_eq!(c_build(DEFAULT_TARGET, no_cc), CBuild::Zigbuild);
        assert_eq!(
            c_build("x86_64-unknown-linux-gnu", Installed::default()),
            CBuild::Cargo
        );
        let CBuild::Missing(why) = c_build(
            DEFAULT_TARGET,
            Installed {
                zig: false,
                ..no_cc
            },
        ) else {
            panic!("cargo-zigbuild alone does not build C code");
        };
        assert!(
            why.contains("musl-tools")
                && why.contains("pip install ziglang cargo-zigbuild")
                && why.contains("cargo-zigbuild is here, zig is not"),
            "{why}"
        );
        let CBuild::Missing(why) = c_build(DEFAULT_TARGET, Installed::default()) else {
            panic!("nothing installed");
        };
        assert!(
            why.contains("and no make") && why.contains("neither is here"),
            "{why}"
        );
        let CBuild::Missing(why) = c_build(DEFAULT_TARGET, Installed { make: false, ..all }) else {
            panic!("zig does not replace make");
        };
        assert!(
            why.starts_with("no make") && !why.contains("zigbuild"),
            "{why}"
        );
    }

    #[test]
    fn a_musl_c_compiler_is_looked_for_only_for_musl() {
        assert_eq!(musl_cc_missing("x86_64-unknown-linux-gnu"), None);
        if let Some(why) = musl_cc_missing(DEFAULT_TARGET) {
            assert!(why.contains("musl-tools"), "{why}");
        }
    }

    #[test]
    fn cargo_messages_give_the_executable() {
        let line = r#"{"reason":"compiler-artifact","target":{"name":"hello","kind":["example"]},"executable":"/t/release/examples/hello"}"#;
        assert_eq!(
            artifact(line, "hello", "example"),
            Some(PathBuf::from("/t/release/examples/hello"))
        );
        assert_eq!(artifact(line, "hello", "bin"), None);
        assert_eq!(artifact("not json", "hello", "bin"), None);
    }
}
