//! `fc-local watch`: an edit to the function's crate is rebuilt and the function
//! restarted the FC way while a client keeps calling, with no failed request; a
//! build error leaves the previous build serving.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Serving, http};

/// A function in plain std (no dependencies, so a build takes a second): answers
/// every event with `<VERSION>:<event>`, hooks and `/initialize` with 200.
const MAIN: &str = r#"
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

const VERSION: &str = "VERSION_HERE";

fn serve(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            head.push(line);
        }
        let length: usize = head
            .iter()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let answer = if head[0].starts_with("POST /invoke ") {
            format!("{VERSION}:{}", String::from_utf8_lossy(&body))
        } else {
            String::new()
        };
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nx-fc-status: 200\r\n\r\n{answer}",
            answer.len()
        )?;
    }
}

fn main() {
    let port = std::env::var("FC_CUSTOM_LISTEN_PORT").unwrap_or_else(|_| "9000".into());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).expect("bind");
    println!("FunctionCompute watched runtime inited.");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || serve(stream));
    }
}
"#;

fn write_main(dir: &Path, source: &str) {
    std::fs::write(dir.join("src/main.rs"), source).expect("writing main.rs");
}

fn fixture_crate() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fc-local-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("a temporary directory");
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"watched\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .expect("writing Cargo.toml");
    write_main(&dir, &MAIN.replace("VERSION_HERE", "one"));
    dir
}

/// Waits (bounded) until `done` holds, for what a rebuild needs.
fn until(what: &str, serving: &Serving, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "no {what} within 240 s:\n{}",
            serving.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_edit_is_picked_up_with_no_failed_request_while_a_client_keeps_calling() {
    let dir = fixture_crate();
    let serving = Serving::start_in("watch", &["--", "cargo", "run", "-q"], &dir);

    // A client calling all along, one request after another.
    let answers: Arc<Mutex<Vec<(u16, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (answers, stop, url) = (Arc::clone(&answers), Arc::clone(&stop), serving.url.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let (status, _, body) = http("POST", &url, &format!("ping-{n}"));
                answers.lock().expect("answers").push((status, body));
            }
        })
    };
    let seen = |version: &str| {
        let prefix = format!("{version}:");
        answers
            .lock()
            .expect("answers")
            .iter()
            .any(|(_, body)| body.starts_with(&prefix))
    };
    until("answer from the first build", &serving, || seen("one"));

    write_main(&dir, &MAIN.replace("VERSION_HERE", "two"));
    until("answer from the edited build", &serving, || seen("two"));

    // A build error: shown, and the running build keeps answering.
    write_main(&dir, "fn main() { this is not rust }");
    until("build failure", &serving, || {
        serving
            .stderr()
            .contains("the previous build keeps serving")
    });
    let count = answers.lock().expect("answers").len();
    until("answers after the failed build", &serving, || {
        answers.lock().expect("answers").len() > count + 3
    });
    write_main(&dir, &MAIN.replace("VERSION_HERE", "three"));
    until("answer from the fixed build", &serving, || seen("three"));

    stop.store(true, Ordering::Relaxed);
    client.join().expect("the client");
    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");

    let answers = answers.lock().expect("answers");
    let failed: Vec<&(u16, String)> = answers
        .iter()
        .filter(|(status, body)| *status != 200 || !body.contains(":ping-"))
        .collect();
    assert!(failed.is_empty(), "failed requests: {failed:?}\n{stderr}");
    // Versions only move forward: one, then two, then three.
    let versions: Vec<&str> = answers
        .iter()
        .map(|(_, body)| body.split(':').next().unwrap_or_default())
        .collect();
    let mut order = versions.clone();
    order.dedup();
    assert_eq!(order, ["one", "two", "three"], "{stderr}");
    assert!(
        stderr.contains("error"),
        "the build error is shown: {stderr}"
    );
    // Each restart: pre-stop, SIGTERM, a new instance.
    assert_eq!(
        stderr.matches("fc-local: stopped: /pre-stop 200").count(),
        3,
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("fc-local watch: restarted with the new build")
            .count(),
        2,
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
