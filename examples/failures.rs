//! How failures reach FC: an `Err` with a source chain, a panic, a bad event and an
//! invocation that outlives the function's timeout all answer 404 with
//! `x-fc-status: 404`, are logged with the request id, and the process keeps serving.
//! Run: `cargo run --example failures`, then try
//! `curl -si localhost:9000/invoke -d '{"action": "fail"}'` (or `"panic"`, `"ok"`, a
//! body that is not JSON, or `'{"action": "sleep", "ms": 3000}'` with
//! `-H 'x-fc-function-timeout: 1'`). `'{"action": "blocking", "ms": 30000}'` leaves a
//! blocking task running: a SIGTERM does not wait for it beyond the drain time.

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Ok,
    Fail,
    Panic,
    Sleep,
    Blocking,
}

#[derive(Deserialize)]
struct Command {
    action: Action,
    /// How long `sleep` sleeps (and `blocking`'s task blocks).
    #[serde(default)]
    ms: u64,
}

#[derive(Debug)]
struct ConfigError(std::io::Error);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("could not read the configuration")
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[fc::invoke]
async fn run(command: Command) -> Result<&'static str, fc::Error> {
    match command.action {
        Action::Ok => Ok("fine\n"),
        Action::Fail => match std::fs::read("/no/such/config.toml") {
            Ok(_) => Ok("the configuration exists after all\n"),
            Err(missing) => Err(ConfigError(missing).into()),
        },
        Action::Sleep => {
            tokio::time::sleep(std::time::Duration::from_millis(command.ms)).await;
            Ok("slept\n")
        }
        Action::Blocking => {
            let ms = command.ms;
            // Work the answer does not wait for, on Tokio's blocking pool.
            drop(tokio::task::spawn_blocking(move || {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }));
            Ok("blocking in the background\n")
        }
        Action::Panic => {
            let empty: Vec<u32> = Vec::new();
            Ok(if empty[0] > 1 {
                "unreachable"
            } else {
                "also unreachable"
            })
        }
    }
}

fn main() {
    fc::run(fc::routes![run]);
}
