//! The release build as users deploy it, both forms: `fc-local package`'s default
//! artifact (static musl with jemalloc, zipped as `bootstrap`) and the cargo command
//! `Dockerfile.example` runs, each started and invoked. Docker itself cannot run here,
//! so the container's build step is run directly.
//!
//! The release build is slow, so one test does it once and checks everything that needs
//! it. It packages `fc-bench`'s `echo-fc` (the function `bench/run.sh` measures): a crate
//! with a user's dependencies. The workspace root's examples would also build its
//! dev-dependencies (tonic, protox, OpenTelemetry, …) in release, which took this test
//! from about 3 to almost 8 minutes of CI.
//!
//! It is the longest test of this binary (jemalloc's `configure` and `make` alone take
//! over a minute on a fresh machine), and the test harness starts tests in the order of
//! their names: `build::` comes first, so the others run beside it instead of after it.

#![allow(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::package::{dockerfile_cargo_command, read_zip, scratch};
use common::{fc_local, profile_dir, root, run};

const MUSL: &str = "x86_64-unknown-linux-musl";

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
