//! Packaging, both forms: `fc-local package` writes `bootstrap` with mode 0755 into a
//! zip (read back here), and the cargo command `Dockerfile.example` runs produces a
//! binary that starts the way the container starts it and answers an invocation.
//! Docker itself cannot run here, so the container's build step is run directly.
//!
//! The release build both forms need is in [`super::build`].

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{example, fc_local, profile_dir, root, run};

/// A fresh directory under the target directory, for one test's files.
pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = profile_dir().join("fc-local-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The zip's `bootstrap`: its unix mode and bytes.
pub(super) fn read_zip(path: &Path) -> (Vec<String>, u32, Vec<u8>) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    let mut entry = archive.by_name("bootstrap").unwrap();
    assert!(entry.is_file());
    let mode = entry
        .unix_mode()
        .expect("a unix mode in the external attributes");
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    (names, mode, bytes)
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_built_binary_is_zipped_as_bootstrap_with_mode_0755() {
    let hello = example("hello");
    let out = scratch("zip");
    let run = run(
        fc_local()
            .args(["package", "--binary"])
            .arg(&hello)
            .arg("--out")
            .arg(&out),
        // A debug fc-local deflating a 30 MB debug binary, on a machine that may be
        // busy building: a kill limit, not a timing check.
        Duration::from_secs(600),
    );
    assert_eq!(run.code, Some(0), "{run}");
    let zip = out.join("code.zip");
    assert_eq!(run.stdout.trim(), zip.display().to_string(), "{run}");
    let (names, mode, bytes) = read_zip(&zip);
    assert_eq!(names, ["bootstrap"]);
    assert_eq!(mode & 0o170_000, 0o100_000, "a regular file: {mode:o}");
    assert_eq!(mode & 0o777, 0o755, "mode {mode:o}");
    assert_eq!(bytes, std::fs::read(&hello).unwrap());
    #[cfg(unix)]
    assert_eq!(mode_of(&out.join("bootstrap")), 0o755);
    // A debug build on this (glibc) machine: the verdict names FC's Debian runtimes.
    if cfg!(all(
        target_os = "linux",
        target_env = "gnu",
        target_arch = "x86_64"
    )) {
        assert!(
            run.stderr
                .contains("links glibc dynamically, needing glibc 2."),
            "{run}"
        );
        assert!(run.stderr.contains("custom.debian12"), "{run}");
    }
}

#[test]
fn a_file_that_is_not_an_executable_is_refused_with_a_reason() {
    let out = scratch("not-elf");
    let script = out.join("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let run = run(
        fc_local()
            .args(["package", "--binary"])
            .arg(&script)
            .arg("--out")
            .arg(out.join("fc")),
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("not an ELF executable"), "{run}");
}

/// The `cargo build …` command of the Dockerfile's build stage, with its build
/// arguments filled in.
pub(super) fn dockerfile_cargo_command(dockerfile: &str, bin: &str, kind: &str) -> Vec<String> {
    let joined = dockerfile.replace("\\\n", " ");
    let run_line = joined
        .lines()
        .find(|l| l.trim_start().starts_with("RUN cargo build"))
        .expect("a `RUN cargo build` step in Dockerfile.example");
    let command = run_line
        .trim_start()
        .trim_start_matches("RUN ")
        .split("&&")
        .next()
        .unwrap();
    command
        .split_whitespace()
        .map(|word| {
            word.replace("${BIN}", bin)
                .replace("${KIND}", kind)
                .replace('"', "")
        })
        .collect()
}

#[test]
fn the_dockerfile_command_is_read_with_its_build_arguments() {
    let dockerfile = "FROM x\nRUN cargo build --release --locked --target t --${KIND} \"${BIN}\" \\\n && cp a b\n";
    assert_eq!(
        dockerfile_cargo_command(dockerfile, "hello", "example"),
        [
            "cargo",
            "build",
            "--release",
            "--locked",
            "--target",
            "t",
            "--example",
            "hello"
        ]
    );
}

#[test]
fn the_s_yaml_examples_match_what_fc_local_and_the_dockerfile_produce() {
    let code = std::fs::read_to_string(root().join("deploy/s.code.yaml")).unwrap();
    let container = std::fs::read_to_string(root().join("deploy/s.container.yaml")).unwrap();
    for (name, yaml) in [("s.code.yaml", &code), ("s.container.yaml", &container)] {
        for needle in [
            "edition: 3.0.0",
            "component: fc3",
            "port: 9000",
            "instanceConcurrency:",
            "instanceLifecycleConfig:",
            "initializer:",
            "preStop:",
        ] {
            assert!(yaml.contains(needle), "{name} lacks {needle:?}");
        }
    }
    // `fc-local package`'s default output, and the command FC runs from it.
    assert!(code.contains("code: ./target/fc/code.zip"), "{code}");
    assert!(code.contains("customRuntimeConfig:"), "{code}");
    assert!(code.contains("- /code/bootstrap"), "{code}");
    assert!(code.contains("runtime: custom.debian12"), "{code}");
    assert!(
        container.contains("runtime: custom-container"),
        "{container}"
    );
    assert!(container.contains("customContainerConfig:"), "{container}");
    assert!(!container.contains("\n      code:"), "{container}");
}
