//! Packaging, both forms: `fc-local package` writes `bootstrap` with mode 0755 into a
//! zip (read back here), and the cargo command `Dockerfile.example` runs produces a
//! binary that starts the way the container starts it and answers an invocation.
//! Docker itself cannot run here, so the container's build step is run directly.
//!
//! The release build is slow, so one test does it once and checks everything that needs
//! it. It packages `fc-bench`'s `echo-fc` (the function `bench/run.sh` measures): a crate
//! with a user's dependencies. The workspace root's examples would also build its
//! dev-dependencies (tonic, protox, OpenTelemetry, …) in release, which took this test
//! from about 3 to almost 8 minutes of CI.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, fc_local, profile_dir, root, run};

const MUSL: &str = "x86_64-unknown-linux-musl";

/// A fresh directory under the target directory, for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = profile_dir().join("fc-local-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The zip's `bootstrap`: its unix mode and bytes.
fn read_zip(path: &Path) -> (Vec<String>, u32, Vec<u8>) {
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
fn dockerfile_cargo_command(dockerfile: &str, bin: &str, kind: &str) -> Vec<String> {
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

/// `readelf` on `path` with `flags`: what it prints.
fn readelf(flags: &str, path: &Path) -> String {
    let out = Command::new("readelf")
        .args([flags, "-W"])
        .arg(path)
        .output()
        .expect("readelf (binutils) on PATH");
    assert!(out.status.success(), "readelf {flags} {}", path.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The default package artifact as FC's Debian runtimes and a scratch image need it:
/// static (or static-pie), no interpreter, no shared library, no glibc symbol
/// version; and with jemalloc, fc's allocator on musl, linked in.
fn assert_static_with_jemalloc(path: &Path) {
    let header = readelf("-h", path);
    assert!(
        header.contains("DYN (Position-Independent Executable file)")
            || header.contains("EXEC (Executable file)"),
        "{header}"
    );
    let segments = readelf("-l", path);
    assert!(!segments.contains("INTERP"), "{segments}");
    let dynamic = readelf("-d", path);
    assert!(!dynamic.contains("(NEEDED)"), "{dynamic}");
    let versions = readelf("-V", path);
    assert!(!versions.contains("GLIBC_"), "{versions}");
    let symbols = readelf("-s", path);
    assert!(
        symbols.lines().any(|l| l.ends_with(" _rjem_malloc")),
        "jemalloc is not linked in"
    );
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `binary` as the container does (only `FC_SERVER_PORT`, from the image's
/// ENV), sends one event as FC 3.0's emulator does for containers (`POST /invoke`,
/// no FC headers), and stops it with SIGTERM.
fn run_as_container(binary: &Path) -> String {
    let port = free_port();
    let mut child = Command::new(binary)
        .env_remove("FC_CUSTOM_LISTEN_PORT")
        .env_remove("RUST_LOG")
        .env("FC_SERVER_PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let mut stream = loop {
        match TcpStream::connect(addr) {
            Ok(stream) => break stream,
            Err(e) => {
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "no listener: {e}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let event = r#"{"name": "container"}"#;
    write!(
        stream,
        "POST /invoke HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{event}",
        event.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    let stdout: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .collect();
    assert!(
        stdout
            .iter()
            .any(|l| l == "FunctionCompute fc-rust runtime inited."),
        "{stdout:?}"
    );
    answer
}

#[test]
fn release_build_as_the_dockerfile_does_and_as_a_code_package() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile.example")).unwrap();
    for line in [
        "ENV FC_SERVER_PORT=9000",
        "EXPOSE 9000",
        r#"ENTRYPOINT ["/bootstrap"]"#,
    ] {
        assert!(
            dockerfile.lines().any(|l| l.trim() == line),
            "Dockerfile.example lacks {line}"
        );
    }
    let target_dir = profile_dir().parent().unwrap().to_owned();
    let bench = root().join("bench");
    // The release profile's fat LTO and single codegen unit are what bench/run.sh
    // measures; here they cost CI minutes and test nothing: this test is about the
    // plan, the artifact's form (static-pie, jemalloc, mode 0755) and that it runs.
    // Both builds below get the same settings, so the second finds the first's binary.
    let quick = [
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ];

    // 1. Code package, fc-local's defaults: a static musl build (fc-local installs the
    // target's standard library when rustup lacks it) with fc's jemalloc.
    let out = scratch("code");
    let packaged = run(
        fc_local()
            .current_dir(root())
            .envs(quick)
            .args([
                "package",
                "--package",
                "fc-bench",
                "--bin",
                "echo-fc",
                "--out",
            ])
            .arg(&out),
        Duration::from_secs(900),
    );
    assert_eq!(packaged.code, Some(0), "{packaged}");
    assert!(
        packaged.stderr.contains(&format!(
            "cargo build --release --target {MUSL} --package fc-bench --bin echo-fc"
        )),
        "{packaged}"
    );
    assert!(
        packaged.stderr.contains(
            "static-pie x86-64 binary, needing no glibc: runs on custom.debian10, 11 and 12"
        ),
        "{packaged}"
    );
    let (_, mode, bytes) = read_zip(&out.join("code.zip"));
    assert_eq!(mode & 0o777, 0o755, "mode {mode:o}");
    let built = target_dir.join(MUSL).join("release/echo-fc");
    assert_eq!(bytes, std::fs::read(&built).unwrap());
    assert_static_with_jemalloc(&built);
    // What FC unpacks into /code: the zip's bootstrap, with the zip's mode, runs and
    // answers as the function.
    let unpacked = scratch("unpacked").join("bootstrap");
    std::fs::write(&unpacked, &bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&unpacked, std::fs::Permissions::from_mode(mode & 0o777)).unwrap();
    }
    let invoked = run(
        fc_local()
            .args(["invoke", "--data", r#"{"name": "zip"}"#, "--"])
            .arg(&unpacked),
        Duration::from_secs(60),
    );
    assert_eq!(invoked.code, Some(0), "{invoked}");
    assert!(
        invoked.stdout.contains(r#"{"echo":{"name":"zip"}}"#),
        "{invoked}"
    );

    // 2. Container form: the build stage's cargo command, as written and run in the
    // crate's directory (the image's build context), builds the same binary (cargo has
    // it already), which starts as the container starts it.
    let command = dockerfile_cargo_command(&dockerfile, "echo-fc", "bin");
    assert_eq!(command[..3], ["cargo", "build", "--release"], "{command:?}");
    assert!(
        command.windows(2).any(|w| w == ["--target", MUSL]),
        "{command:?}"
    );
    let status = Command::new(env!("CARGO"))
        .current_dir(&bench)
        .envs(quick)
        .args(&command[1..])
        .status()
        .unwrap();
    assert!(status.success(), "{command:?}");
    // The Dockerfile's `install -m 0755 "$dir/${BIN}" /bootstrap`.
    let image = scratch("image");
    let bootstrap = image.join("bootstrap");
    std::fs::copy(&built, &bootstrap).unwrap();
    assert_eq!(std::fs::read(&bootstrap).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let answer = run_as_container(&bootstrap);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("\r\nx-fc-status: 200\r\n"),
        "{answer}"
    );
    assert!(
        answer.contains(r#"{"echo":{"name":"container"}}"#),
        "{answer}"
    );

    // `--target host` is not built here: a second release build (two minutes of CI)
    // for what `Plan`'s unit test (the cargo command) and the `--binary` test (the
    // verdict on a glibc binary) already check.
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
