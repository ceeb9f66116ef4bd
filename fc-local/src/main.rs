//! `fc-local`: runs an Alibaba Cloud Function Compute (FC) custom runtime on this
//! machine the way FC runs it, and packages it for FC.
//!
//! - `fc-local invoke -- <command>`: start the function, send one event, print the
//!   result and that invocation's log, stop the function.
//! - `fc-local serve -- <command>`: a local front door forwarding events or HTTP
//!   requests to the running function.
//! - `fc-local watch [-- <command>]`: `serve`, rebuilt (`cargo build`) and restarted
//!   the FC way when the crate's sources change; requests wait during a restart.
//! - `fc-local check -- <command>`: a conformance run of any custom runtime against
//!   FC's contract, one line per check.
//! - `fc-local package --bin <name>`: the code package, `bootstrap` in a zip.
//! - `fc-local deploy`: the s.yaml's fc3 function onto FC over its OpenAPI, and
//!   `fc-local invoke --remote`: the deployed function, with its log (see [`cloud`]).
//! - `fc-local examples [<trigger>]`: the real trigger payloads `--example` sends.
//! - `fc-local new <path> [--http | --event <trigger>] [--container]`: a new function
//!   crate that builds, passes its tests and `check` as it is (see [`new`]).
//!
//! With an `s.yaml` in the current directory (or `--config PATH`), the function is run
//! as its first `fc3` resource configures it: memory, timeout, environment, hooks,
//! health check, instance concurrency.
//!
//! The command line is [`args`]; each subcommand's module runs it and returns an
//! [`error::Error`] when it fails, which `main` prints and turns into the exit status.
//!
//! How a request to the function is made: [`request::Requests`] builds it (FC's
//! headers, port, content type); [`client`] sends it on keep-alive connections;
//! [`marker`] reads FC's marker lines and [`group`] groups the log by them;
//! [`function::Function`] starts and stops the process; [`emulation`] decides what
//! the s.yaml asks for.
//!
//! Exit status: 0 on success, 1 when the invocation or a check failed, 2 when the
//! function did not start or fc-local could not do its work.

mod args;
mod check;
mod client;
mod cloud;
mod config;
mod emulation;
mod error;
mod function;
mod group;
mod identity;
mod invoke;
mod logs;
mod marker;
mod new;
mod package;
mod payloads;
mod request;
mod serve;
mod ui;
mod watch;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::args::{Cli, Command, ExamplesArgs};
use crate::error::Error;
use crate::ui::Ui;

/// Exit status: the invocation (or a check) failed.
const EXIT_FAILED: u8 = 1;
/// Exit status: the function did not start, or fc-local could not do its work.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Arc::new(Ui::new(cli.color));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("fc-local: cannot start the Tokio runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let command_ui = Arc::clone(&ui);
    let result = runtime.block_on(async move {
        let ui = command_ui;
        match cli.command {
            Command::Invoke(args) => invoke::run(args, ui).await,
            Command::Serve(args) => serve::run(args, ui).await,
            Command::Watch(args) => watch::run(args, ui).await,
            Command::Check(args) => check::run(args, ui).await,
            Command::Package(args) => package::run(&args, &ui),
            Command::Examples(args) => examples(&args, &ui),
            Command::New(args) => new::run(&args, &ui),
            Command::Deploy(args) => cloud::deploy::run(args, &ui).await,
        }
    });
    let code = match result {
        Ok(()) => 0,
        Err(error) => {
            error.show(&ui);
            match error.kind() {
                error::Kind::Failed => EXIT_FAILED,
                error::Kind::Fatal => EXIT_ERROR,
            }
        }
    };
    // Tasks still reading a pipe of a process that outlived us must not hold us up.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    ExitCode::from(code)
}

/// `fc-local examples`: the payloads, one line each; with a trigger, its bytes.
fn examples(args: &ExamplesArgs, ui: &Ui) -> Result<(), Error> {
    use std::io::Write;
    if let Some(trigger) = &args.trigger {
        let payload =
            payloads::example(trigger).map_err(|e| Error::fatal(format!("fc-local: {e}")))?;
        let mut out = std::io::stdout().lock();
        // Nothing to say when stdout is closed.
        return out
            .write_all(payload.bytes())
            .and_then(|()| out.flush())
            .map_err(|_| Error::quiet(error::Kind::Fatal));
    }
    for payload in payloads::ALL {
        ui.out(&format!(
            "{}  {:<16}  {}",
            ui.paint_out(ui::Style::Bold, &format!("{:<17}", payload.name())),
            payload.format().content_type(),
            payload.description()
        ));
    }
    ui.say(&ui.paint(
        ui::Style::Dim,
        "send one: fc-local invoke --example <trigger> -- <command>; \
         see one: fc-local examples <trigger>",
    ));
    Ok(())
}
