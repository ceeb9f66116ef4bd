//! How `fc-local package` builds: cargo's subcommand and `--target` for the target
//! asked ([`Plan`]), the standard library and C toolchain a musl build needs, and the
//! cargo run that gives the executable.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::args::PackageArgs;
use crate::ui::{Style, Ui};

/// What `fc-local package` builds for unless told otherwise: a static binary that runs
/// on every Debian runtime and in an empty (scratch) image, as fast as a glibc build
/// with fc's default `jemalloc` feature (bench/candidates.md).
pub(crate) const DEFAULT_TARGET: &str = "x86_64-unknown-linux-musl";

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
        "{missing} on PATH: fc's jemalloc allocator (C, built with make), its memcpy (C) and any \
         other crate with C code need them. Install musl-tools and make (`sudo apt-get install musl-tools \
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
pub(super) fn build(args: &PackageArgs, ui: &Ui) -> Result<PathBuf, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
