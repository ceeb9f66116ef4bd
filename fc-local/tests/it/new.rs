//! `fc-local new` → `cargo test` → `fc-local check`, as a new user runs them, for the
//! event template, the HTTP template and a trigger template (OSS, as a custom
//! container). Each crate is generated in a temporary directory with `--fc-path` at
//! this checkout and this workspace's `Cargo.lock`, and built in this test run's own
//! target directory, so fc and its dependencies are built once, not once per crate.
//! Each step's time is printed (`--nocapture` shows it).

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Run, fc_local, profile_dir, root, run};

/// A directory of its own under the system's temporary directory (outside this
/// workspace, as a user's crate is), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("fc-local-new-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The target directory this test binary was built in: the generated crates build
/// there too, reusing the fc this run built.
fn target_dir() -> PathBuf {
    profile_dir().parent().unwrap().to_owned()
}

/// `fc-local new <dir>/<name> <args> --fc-path <this checkout>`, and the workspace's
/// Cargo.lock copied in, so the dependencies are the versions already built.
fn scaffold(scratch: &Scratch, name: &str, args: &[&str]) -> (PathBuf, Duration) {
    let dir = scratch.0.join(name);
    let started = Instant::now();
    let new = run(
        fc_local()
            .arg("new")
            .arg(&dir)
            .args(args)
            .arg("--fc-path")
            .arg(root()),
        Duration::from_secs(30),
    );
    let took = started.elapsed();
    assert_eq!(new.code, Some(0), "{new}");
    assert!(new.stderr.contains(&format!("`{name}`")), "{new}");
    assert!(new.stdout.contains("Next:"), "{new}");
    assert!(
        new.stdout.contains(&format!("cd {}", dir.display())),
        "{new}"
    );
    for file in [
        "Cargo.toml",
        "src/main.rs",
        "s.yaml",
        "Dockerfile",
        ".gitignore",
        ".dockerignore",
        "README.md",
    ] {
        assert!(dir.join(file).is_file(), "no {file} in {}", dir.display());
    }
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    (dir, took)
}

/// `cargo <args>` in the generated crate, built in [`target_dir`].
fn cargo(dir: &Path, args: &[&str]) -> Run {
    run(
        Command::new(env!("CARGO"))
            .current_dir(dir)
            .args(args)
            .env("CARGO_TARGET_DIR", target_dir())
            .env("CARGO_TERM_COLOR", "never"),
        Duration::from_secs(1200),
    )
}

/// How many tests `cargo test` said passed, over every test binary it ran.
fn passed(run: &Run) -> usize {
    let text = format!("{}{}", run.stdout, run.stderr);
    assert!(!text.contains("FAILED"), "{run}");
    text.lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// new → cargo test → check, each timed; `check_args` are what the README says.
fn new_test_check(test: &str, name: &str, new_args: &[&str], check_args: &[&str], tests: usize) {
    let scratch = Scratch::new(test);
    let (dir, new_took) = scaffold(&scratch, name, new_args);
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let check_line = format!("fc-local check {}-- cargo run -q", {
        let mut args = check_args.join(" ");
        if !args.is_empty() {
            args.push(' ');
        }
        args
    });
    assert!(readme.contains(&check_line), "{check_line} in\n{readme}");

    let started = Instant::now();
    let test_run = cargo(&dir, &["test"]);
    let test_took = started.elapsed();
    assert_eq!(test_run.code, Some(0), "{test_run}");
    assert_eq!(passed(&test_run), tests, "{test_run}");
    // `cargo test` built the test harness; check runs the binary, as FC would.
    let started = Instant::now();
    let build = cargo(&dir, &["build"]);
    let build_took = started.elapsed();
    assert_eq!(build.code, Some(0), "{build}");
    let binary = profile_dir().join(name);
    assert!(binary.is_file(), "{}", binary.display());

    let started = Instant::now();
    let check = run(
        fc_local()
            .current_dir(&dir)
            .arg("check")
            .args(check_args)
            .arg("--")
            .arg(&binary),
        Duration::from_secs(180),
    );
    let check_took = started.elapsed();
    assert_eq!(check.code, Some(0), "{check}");
    assert!(check.stdout.contains(" 0 failed"), "{check}");
    // It ran as its s.yaml says, and code and s.yaml agree.
    assert!(
        check
            .stderr
            .contains(&format!("emulating s.yaml (resource {name})")),
        "{check}"
    );
    assert!(!check.stderr.contains("warning"), "{check}");
    eprintln!(
        "{test}: new {:.2} s, first cargo test {:.1} s, cargo build {:.1} s, check {:.1} s",
        new_took.as_secs_f64(),
        test_took.as_secs_f64(),
        build_took.as_secs_f64(),
        check_took.as_secs_f64()
    );
}

#[test]
fn the_event_template_builds_passes_its_tests_and_check() {
    new_test_check("event", "fc-new-event", &[], &[], 3);
}

#[test]
fn the_http_template_builds_passes_its_tests_and_check() {
    new_test_check("http", "fc-new-http", &["--http"], &["--http"], 2);
}

#[test]
fn the_oss_template_as_a_container_builds_passes_its_tests_and_check() {
    new_test_check(
        "oss",
        "fc-new-oss",
        &["--event", "oss", "--container"],
        &["--example", "oss"],
        1,
    );
}

#[test]
fn an_existing_directory_is_left_alone() {
    let scratch = Scratch::new("exists");
    let dir = scratch.0.join("taken");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("keep.txt"), "mine").unwrap();
    let new = run(fc_local().arg("new").arg(&dir), Duration::from_secs(30));
    assert_eq!(new.code, Some(2), "{new}");
    assert!(new.stderr.contains("already exists"), "{new}");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn names_that_are_not_crate_names_are_refused_before_anything_is_written() {
    let scratch = Scratch::new("names");
    for (name, why) in [
        ("2fast", "start with a letter"),
        ("my.function", "`.` is not allowed"),
        ("async", "keyword"),
        ("serde", "depends on a crate"),
    ] {
        let new = run(
            fc_local().arg("new").arg(scratch.0.join(name)),
            Duration::from_secs(30),
        );
        assert_eq!(new.code, Some(2), "{new}");
        assert!(new.stderr.contains(why), "{name}: {new}");
        assert!(!scratch.0.join(name).exists(), "{name}");
    }
    // --name decides, not the directory.
    let new = run(
        fc_local()
            .arg("new")
            .arg(scratch.0.join("ok-dir"))
            .args(["--name", "bad name"]),
        Duration::from_secs(30),
    );
    assert_eq!(new.code, Some(2), "{new}");
    assert!(!scratch.0.join("ok-dir").exists());
}

#[test]
fn a_trigger_without_a_template_is_refused_with_the_list() {
    let new = run(
        fc_local().args(["new", "x", "--event", "ftp"]),
        Duration::from_secs(30),
    );
    assert_eq!(new.code, Some(2), "{new}");
    assert!(new.stderr.contains("oss"), "{new}");
    assert!(new.stderr.contains("tablestore"), "{new}");
    assert!(!Path::new("x").exists());
}

#[test]
fn fc_path_must_be_fcs_checkout() {
    let scratch = Scratch::new("fc-path");
    let new = run(
        fc_local()
            .arg("new")
            .arg(scratch.0.join("f"))
            .arg("--fc-path")
            .arg(root().join("fc-local")),
        Duration::from_secs(30),
    );
    assert_eq!(new.code, Some(2), "{new}");
    assert!(new.stderr.contains("not fc-rs's"), "{new}");
    assert!(!scratch.0.join("f").exists());
}
