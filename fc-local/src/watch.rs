//! `fc-local watch`: `serve`, rebuilt and restarted when the crate's sources change.
//!
//! It watches `src/`, `Cargo.toml`, `build.rs` (and `examples/` when the command runs
//! an example) in the current directory. On a change it runs `cargo build` (with the
//! command's `--bin`, `--example`, `-p`, `--release`… when the command is `cargo run`)
//! while the running instance keeps serving. A build error is shown and the old
//! instance keeps serving. After a successful build it restarts the function the way
//! FC replaces an instance: `/pre-stop`, SIGTERM, a new instance, `/initialize`.
//! Requests that arrive during the restart wait for the new instance, up to
//! `RESTART_WAIT` (60 s, in `serve`'s door), instead of failing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::args::{FunctionArgs, ServeArgs};
use crate::error::Error;
use crate::function::Function;
use crate::group::Tracker;
use crate::logs::Logs;
use crate::serve::{self, Door};
use crate::ui::{self, Style, Ui};

/// How long file events settle before a rebuild.
const DEBOUNCE: Duration = Duration::from_millis(300);

pub(crate) async fn run(mut args: ServeArgs, ui: Arc<Ui>) -> Result<(), Error> {
    if args.function.command.is_empty() {
        args.function.command = ["cargo", "run", "-q"].map(str::to_owned).to_vec();
    }
    let build = build_command(&args.function.command);
    let watched = watched_paths(Path::new("."), &args.function.command);
    let (tx, mut changes) = mpsc::unbounded_channel::<()>();
    let mut debouncer = match new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
        let relevant = result.is_ok_and(|events| {
            events.iter().any(|e| {
                matches!(
                    e.kind,
                    EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_)
                )
            })
        });
        if relevant {
            let _ = tx.send(());
        }
    }) {
        Ok(debouncer) => debouncer,
        Err(e) => return Err(Error::fatal(format!("fc-local: cannot watch files: {e}"))),
    };
    for path in &watched {
        debouncer
            .watch(path, RecursiveMode::Recursive)
            .map_err(|e| Error::fatal(format!("fc-local: cannot watch {}: {e}", path.display())))?;
    }
    ui.say(&ui.paint(
        Style::Dim,
        &format!(
            "fc-local watch: watching {}; building with `{}`",
            watched
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            build.join(" ")
        ),
    ));

    let (listener, local) = serve::bind(args.port).await?;
    let tracker = Tracker::follow(&Logs::new(), Arc::clone(&ui));
    // The function's name as each start will give it (from a flag or its s.yaml).
    let base_path = args.base_path.then(|| {
        let config = (!args.function.no_config)
            .then(|| {
                crate::config::load(args.function.config.as_deref())
                    .ok()
                    .flatten()
            })
            .flatten();
        let name = crate::identity::Identity::new(&args.function, config.as_ref()).function_name;
        serve::base_path(&name)
    });
    let door = Door::new(args.http, base_path, &tracker, &ui);
    let mut function = None;
    if run_build(&build, &ui).await {
        let mut paused = door.pause().await;
        function = start(&args.function, &tracker, &ui).await;
        door.replace(&mut paused, function.as_ref(), args.initializer)
            .await;
    }
    let program = function
        .as_ref()
        .map_or_else(|| args.function.command.join(" "), |f| f.program.clone());
    serve::announce(&ui, &program, local, &door);

    let mut shutdown = std::pin::pin!(serve::shutdown_signal());
    let mut building: Option<JoinHandle<bool>> = None;
    let mut dirty = false;
    let mut exit_reported = false;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    serve::spawn_connection(stream, &door);
                }
            }
            () = &mut shutdown => {
                ui.say(&ui.paint(Style::Dim, "fc-local: stopping the function"));
                break;
            }
            Some(()) = changes.recv() => {
                if building.is_some() {
                    dirty = true;
                } else {
                    ui.say(&ui.paint(Style::Cyan, "fc-local watch: sources changed: rebuilding"));
                    building = Some(spawn_build(&build, &ui));
                }
            }
            built = async {
                match building.as_mut() {
                    Some(task) => task.await.unwrap_or(false),
                    None => false,
                }
            }, if building.is_some() => {
                building = None;
                if built {
                    let mut paused = door.pause().await;
                    door.drain(&paused).await;
                    if let Some(old) = function.as_mut() {
                        old.stop(&ui, &tracker).await;
                    }
                    function = start(&args.function, &tracker, &ui).await;
                    door.replace(&mut paused, function.as_ref(), args.initializer).await;
                    drop(paused);
                    exit_reported = false;
                    if function.is_some() {
                        ui.say(&ui.paint(Style::Green, "fc-local watch: restarted with the new build"));
                    }
                } else {
                    ui.say(&ui.paint(
                        Style::Yellow,
                        "fc-local watch: the build failed; the previous build keeps serving until one succeeds",
                    ));
                }
                if std::mem::take(&mut dirty) {
                    building = Some(spawn_build(&build, &ui));
                }
            }
            _ = tick.tick() => {
                if let Some(status) = function.as_mut().and_then(|f| f.exited()) {
                    if !exit_reported {
                        exit_reported = true;
                        ui.say(&ui.paint(
                            Style::Red,
                            &format!("fc-local: the function exited ({status}); save a change to restart it"),
                        ));
                    }
                }
            }
        }
    }
    drop(listener);
    if let Some(function) = function.as_mut() {
        function.stop(&ui, &tracker).await;
    }
    Ok(())
}

/// Starts the function with fresh logs grouped by `tracker`; None when it did not
/// start (said why: watch goes on).
async fn start(args: &FunctionArgs, tracker: &Arc<Tracker>, ui: &Ui) -> Option<Function> {
    let logs = Logs::new();
    tracker.attach(&logs);
    let started = match Function::start(args, logs, ui) {
        Ok(mut function) => function.listening(args, ui).await.map(|_| function),
        Err(error) => Err(error),
    };
    let function = started.map_err(|error| error.show(ui)).ok()?;
    if !function
        .emulation
        .health_check_at_start(&function.requests, function.addr, ui)
        .await
    {
        return None;
    }
    Some(function)
}

/// `cargo build` in the background, its output on stderr; true when it succeeded.
fn spawn_build(build: &[String], ui: &Arc<Ui>) -> JoinHandle<bool> {
    let build = build.to_vec();
    let ui = Arc::clone(ui);
    tokio::spawn(async move { run_build(&build, &ui).await })
}

async fn run_build(build: &[String], ui: &Ui) -> bool {
    let Some((program, rest)) = build.split_first() else {
        return false;
    };
    let start = Instant::now();
    let status = tokio::process::Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .status()
        .await;
    match status {
        Ok(status) if status.success() => {
            ui.say(&ui.paint(
                Style::Dim,
                &format!("fc-local watch: built in {}", ui::duration(start.elapsed())),
            ));
            true
        }
        Ok(status) => {
            ui.say(&ui.paint(
                Style::Red,
                &format!("fc-local watch: `{}` failed ({status})", build.join(" ")),
            ));
            false
        }
        Err(e) => {
            ui.say(&ui.paint(
                Style::Red,
                &format!("fc-local watch: cannot run `{program}`: {e}"),
            ));
            false
        }
    }
}

/// The build for `command`: `cargo run [flags] [-- args]` builds as `cargo build
/// [flags]`; anything else with a plain `cargo build`.
fn build_command(command: &[String]) -> Vec<String> {
    let mut build = vec!["cargo".to_owned(), "build".to_owned()];
    if command.first().is_some_and(|c| c == "cargo") && command.get(1).is_some_and(|c| c == "run") {
        build.extend(command[2..].iter().take_while(|a| *a != "--").cloned());
    }
    build
}

/// What a change to rebuilds for: the crate's sources and manifest, and its examples
/// when the command runs one; those that exist in `dir`.
fn watched_paths(dir: &Path, command: &[String]) -> Vec<PathBuf> {
    let mut paths = vec!["src", "Cargo.toml", "build.rs"];
    if command.iter().any(|a| a == "--example") {
        paths.push("examples");
    }
    paths
        .into_iter()
        .map(|p| dir.join(p))
        .filter(|p| p.exists())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn cargo_run_builds_what_it_runs() {
        assert_eq!(
            build_command(&words("cargo run -q --example hello -- --flag")),
            words("cargo build -q --example hello")
        );
        assert_eq!(
            build_command(&words("target/debug/my-fn")),
            words("cargo build")
        );
    }
}
