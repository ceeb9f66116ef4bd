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
//! How a request to the function is made: [`request::Requests`] builds it (FC's
//! headers, port, content type); [`client`] sends it on keep-alive connections;
//! [`marker`] reads FC's marker lines and [`group`] groups the log by them;
//! [`function::Function`] starts and stops the process; [`emulation`] decides what
//! the s.yaml asks for.
//!
//! Exit status: 0 on success, 1 when the invocation or a check failed, 2 when the
//! function did not start or fc-local could not do its work.

mod check;
mod client;
mod cloud;
mod config;
mod emulation;
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

use clap::{Parser, Subcommand};

use crate::ui::{ColorChoice, Ui};

/// The invocation (or a check) failed.
pub(crate) const EXIT_FAILED: u8 = 1;
/// The function did not start, or fc-local could not do its work.
pub(crate) const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "fc-local",
    version,
    about = "Run Alibaba Cloud Function Compute custom runtimes locally, check them against \
             FC's contract, and package them",
    after_help = "Examples:\n  \
        fc-local new my-function\n  \
        fc-local invoke --data '{\"name\": \"FC\"}' -- cargo run --example hello\n  \
        fc-local invoke --example oss -- cargo run -q\n  \
        fc-local serve --http -- target/debug/examples/http\n  \
        fc-local watch -- cargo run -q\n  \
        fc-local check --data '{\"name\": \"FC\"}' -- target/debug/examples/hello\n  \
        fc-local package --bin my-function\n  \
        fc-local deploy\n  \
        fc-local invoke --remote --data '{\"name\": \"FC\"}'"
)]
struct Cli {
    /// When to use colours
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the function, send one event (after /initialize when asked), print the
    /// result and the invocation's log, and stop it
    Invoke(invoke::Args),
    /// Keep the function running behind a local front door that forwards events or
    /// HTTP requests as FC would; Ctrl-C stops it
    Serve(serve::Args),
    /// Serve like `serve`, rebuilding (cargo build) and restarting the function the
    /// FC way (pre-stop, SIGTERM, a new instance, /initialize) when its sources
    /// change; requests wait during a restart (up to 60 s)
    Watch(serve::Args),
    /// Check any custom runtime against FC's contract: one line per check, non-zero
    /// exit on a failure
    Check(check::Args),
    /// Build the release binary and write the code package: `bootstrap` (mode 0755)
    /// in a zip, for custom.debian10/11/12
    Package(package::Args),
    /// List the real trigger payloads `--example` sends, or write one to stdout
    Examples(ExamplesArgs),
    /// Deploy the s.yaml's fc3 function to FC over its OpenAPI: package it (or take
    /// --zip), create or update the function, then its triggers
    Deploy(cloud::deploy::Args),
    /// Create a function crate that builds, passes its tests and `check` as it is:
    /// an event function, an HTTP function (--http) or one for a trigger (--event)
    New(new::Args),
}

#[derive(Debug, clap::Args)]
struct ExamplesArgs {
    /// Write this trigger's payload to stdout, as FC sends it
    #[arg(value_name = "TRIGGER")]
    trigger: Option<String>,
}

/// Where the event comes from: a file, standard input, inline text or a real
/// trigger payload.
#[derive(Debug, clap::Args)]
pub(crate) struct EventArgs {
    /// The event: a file, or `-` for standard input [default: none for invoke, `{}` for
    /// check]
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["data", "example"])]
    event: Option<std::path::PathBuf>,
    /// The event, inline
    #[arg(short = 'd', long, value_name = "TEXT", conflicts_with = "example")]
    data: Option<String>,
    /// A real trigger payload as the event, in FC's wire form (`fc-local examples`
    /// lists them)
    #[arg(long, value_name = "TRIGGER")]
    example: Option<String>,
}

impl EventArgs {
    /// The event given, or None when none was.
    pub(crate) fn read(&self) -> Result<Option<Vec<u8>>, String> {
        use std::io::Read;
        match (&self.event, &self.data, &self.example) {
            (_, Some(data), _) => Ok(Some(data.as_bytes().to_vec())),
            (_, _, Some(trigger)) => Ok(Some(payloads::example(trigger)?.bytes().to_vec())),
            (Some(path), _, _) if path.as_os_str() == "-" => {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("reading the event from standard input: {e}"))?;
                Ok(Some(bytes))
            }
            (Some(path), _, _) => std::fs::read(path)
                .map(Some)
                .map_err(|e| format!("reading the event from {}: {e}", path.display())),
            (None, None, None) => Ok(None),
        }
    }
}

/// How the function is started: the command and what FC tells it. Flags win over
/// the function's `s.yaml`, which wins over fc-local's defaults.
#[derive(Debug, clap::Args)]
pub(crate) struct FunctionArgs {
    /// FC_FUNCTION_NAME and x-fc-function-name [default: s.yaml's functionName, else
    /// the command's file name]
    #[arg(long, value_name = "NAME")]
    pub(crate) function_name: Option<String>,
    /// FC_REGION and x-fc-region [default: s.yaml's region, else cn-hangzhou]
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// FC_FUNCTION_MEMORY_SIZE and x-fc-function-memory, in MB [default: s.yaml's
    /// memorySize, else 512]
    #[arg(long, value_name = "MB")]
    pub(crate) memory: Option<u32>,
    /// The function's timeout (x-fc-function-timeout), in seconds; fc-local waits that
    /// long (and 5 s more) for an answer [default: s.yaml's timeout, else 60]
    #[arg(long, value_name = "S")]
    pub(crate) timeout: Option<u64>,
    /// How long the function may take to accept connections on its port (FC: 120 s)
    #[arg(long, value_name = "S", default_value_t = 120)]
    pub(crate) start_timeout: u64,
    /// Another environment variable for the function (repeatable; wins over s.yaml's
    /// environmentVariables)
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub(crate) env: Vec<(String, String)>,
    /// The Serverless Devs s.yaml whose first fc3 function to emulate (memory, timeout,
    /// environment, initializer, pre-stop, health check, instance concurrency)
    /// [default: ./s.yaml or ./s.yml when there is one]
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    pub(crate) config: Option<std::path::PathBuf>,
    /// Ignore ./s.yaml
    #[arg(long)]
    pub(crate) no_config: bool,
    /// The function's command and its arguments, after `--` (watch: [default: cargo
    /// run -q])
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

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
    let code = runtime.block_on(async move {
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
    // Tasks still reading a pipe of a process that outlived us must not hold us up.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    ExitCode::from(code)
}

/// `fc-local examples`: the payloads, one line each; with a trigger, its bytes.
fn examples(args: &ExamplesArgs, ui: &Ui) -> u8 {
    use std::io::Write;
    if let Some(trigger) = &args.trigger {
        return match payloads::example(trigger) {
            Ok(payload) => {
                let mut out = std::io::stdout().lock();
                let written = out.write_all(payload.bytes()).and_then(|()| out.flush());
                if written.is_ok() { 0 } else { EXIT_ERROR }
            }
            Err(e) => {
                ui.say(&ui.paint(ui::Style::Red, &format!("fc-local: {e}")));
                EXIT_ERROR
            }
        };
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
    0
}
