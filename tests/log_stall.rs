//! A stdout nobody reads must not stop the runtime. This binary (no test harness)
//! starts itself again as the function, as FC starts one: a real process whose
//! stdout is a pipe. The parent reads that pipe up to the runtime-inited line, then
//! stops reading while invocations flood the log; the invocations, the health check
//! and quiet invocations must all still be answered (bounded waits). Then it drains
//! the pipe: a line counts what was dropped, every invocation has both markers, and
//! each invocation's lines that were kept are in order, between its markers.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test")]

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, Req};

/// Set in the child: serve instead of test.
const CHILD: &str = "FC_LOG_STALL_CHILD";
/// Invocations that flood the log, lines each, bytes per line.
const FLOODS: usize = 8;
const LINES: usize = 200;
const WIDTH: usize = 1000;

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
    } else {
        a_stdout_nobody_reads_stops_nothing_and_its_drops_are_counted();
        println!("test a_stdout_nobody_reads_stops_nothing_and_its_drops_are_counted ... ok");
    }
}

/// `"<n>"` logs `n` numbered lines of [`WIDTH`] bytes.
#[fc::invoke]
async fn flood(event: String, ctx: fc::Context) -> String {
    let n: usize = event.trim().parse().unwrap_or(0);
    let pad = "x".repeat(WIDTH);
    for i in 0..n {
        tracing::info!("{} line {i} {pad}", ctx.request_id());
    }
    format!("logged {n}")
}

/// The function: fc's subscriber on the real stdout, the health check, 127.0.0.1:0
/// (the address on stderr, which the parent reads: no test harness captures it).
fn child() {
    use tracing_subscriber::layer::SubscriberExt;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let subscriber =
            tracing_subscriber::registry().with(fc::log::layer(fc::log::Output::stdout()));
        tracing::subscriber::set_global_default(subscriber).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        eprintln!("listening on {addr}");
        fc::App::from(fc::routes![flood])
            .health_check(fc::DEFAULT_HEALTH_PATH)
            .serve_with(listener, std::future::pending())
            .await
            .unwrap();
    });
}

/// Reads `stdout` up to the runtime-inited line, in a thread, within 60 s.
fn read_until_inited(stdout: ChildStdout) -> BufReader<ChildStdout> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line.trim_end() == "FunctionCompute fc-rust runtime inited." {
                let _ = tx.send(reader);
                return;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the runtime-inited line")
}

fn a_stdout_nobody_reads_stops_nothing_and_its_drops_are_counted() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the function");
    let stderr = child.stderr.take().unwrap();
    let (addr_tx, addr_rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("listening on ") {
                let _ = addr_tx.send(addr.parse::<SocketAddr>().unwrap());
            } else {
                eprintln!("function: {line}");
            }
        }
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the function's address");
    let reader = read_until_inited(child.stdout.take().unwrap());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(scenario(addr, reader))
    }));
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

async fn within<T>(what: &str, limit: Duration, f: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {limit:?} while stdout is not read"))
}

async fn scenario(addr: SocketAddr, reader: BufReader<ChildStdout>) {
    let limit = Duration::from_secs(30);
    // Nobody reads stdout now. The floods (1.6 MB of log lines) fill the pipe
    // (64 KiB) and the queue behind it.
    let floods = (0..FLOODS).map(|i| async move {
        let id = format!("flood-{i}");
        let resp = Client::connect(addr)
            .await
            .send(Req::invoke(&id, LINES.to_string()))
            .await;
        resp.expect_ok();
        id
    });
    let started = Instant::now();
    let mut ids = within(
        "the flooding invocations",
        limit,
        futures_util::future::join_all(floods),
    )
    .await;
    eprintln!(
        "{FLOODS} flooding invocations answered in {:?}",
        started.elapsed()
    );
    // The pipe is still full: the health check and quiet invocations are answered.
    let started = Instant::now();
    let health = within(
        "the health check",
        limit,
        Client::connect(addr)
            .await
            .send(Req::new("GET", fc::DEFAULT_HEALTH_PATH)),
    )
    .await;
    assert_eq!(health.status, 200, "{}", health.text());
    eprintln!("health check answered in {:?}", started.elapsed());
    for i in 0..3 {
        let id = format!("quiet-{i}");
        let resp = within(
            "a quiet invocation",
            limit,
            Client::connect(addr).await.send(Req::invoke(&id, "0")),
        )
        .await;
        assert_eq!(resp.expect_ok().text(), "logged 0");
        ids.push(id);
    }

    // Drain the pipe.
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let seen = |needle: &str| lines.lock().unwrap().iter().any(|l| l.contains(needle));
    let deadline = Instant::now() + limit;
    while !(seen("fc dropped")
        && ids
            .iter()
            .all(|id| seen(&format!("FC Invoke End RequestId: {id}"))))
    {
        assert!(
            Instant::now() < deadline,
            "after draining: no drop count or missing markers; last lines: {:#?}",
            lines
                .lock()
                .unwrap()
                .iter()
                .rev()
                .take(5)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Lines are written at once again: an invocation's lines and markers are in the
    // pipe when it answers.
    let resp = Client::connect(addr)
        .await
        .send(Req::invoke("after", "3"))
        .await;
    resp.expect_ok();
    ids.push("after".to_owned());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen("FC Invoke End RequestId: after") {
        assert!(Instant::now() < deadline, "the markers of `after`");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let lines = lines.lock().unwrap().clone();
    let drops: Vec<&String> = lines.iter().filter(|l| l.contains("fc dropped")).collect();
    eprintln!("drop reports: {drops:?}");
    let dropped: u64 = drops
        .iter()
        .map(|l| {
            l.split("fc dropped ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse::<u64>().ok())
                .expect("a count")
        })
        .sum();
    assert!(dropped > 0, "{drops:?}");
    assert!(
        drops
            .iter()
            .all(|l| l.contains(" [WARN] ") && !l.contains("marker")),
        "only log lines were dropped, no marker: {drops:?}"
    );
    for id in &ids {
        let start = format!("FC Invoke Start RequestId: {id}");
        let end = format!("FC Invoke End RequestId: {id}");
        let at = |needle: &str| {
            let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == needle).collect();
            assert_eq!(found.len(), 1, "one `{needle}`");
            found[0]
        };
        let (start, end) = (at(&start), at(&end));
        assert!(start < end, "{id}: Start before End");
        let prefix = format!(" {id} [INFO] {id} line ");
        let mut last = None;
        for (at, line) in lines.iter().enumerate() {
            let Some(rest) = line.split(&prefix).nth(1) else {
                continue;
            };
            assert!(
                start < at && at < end,
                "{id}: its lines between its markers"
            );
            let n: usize = rest.split(' ').next().unwrap().parse().unwrap();
            assert!(last < Some(n), "{id}: line {n} after line {last:?}");
            last = Some(n);
        }
    }
    let after: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(" after [INFO] after line "))
        .collect();
    assert_eq!(after.len(), 3, "nothing of `after` is dropped once drained");
    let kept = lines
        .iter()
        .filter(|l| l.contains(" [INFO] flood-"))
        .count();
    eprintln!(
        "{kept} of {} flood lines kept, {dropped} dropped",
        FLOODS * LINES
    );
    assert_eq!(
        kept as u64 + dropped,
        (FLOODS * LINES) as u64,
        "every line written or counted"
    );
}
