//! fc-local's command line: every argument type clap parses, one struct per
//! subcommand and the groups they share ([`FunctionArgs`], [`EventArgs`],
//! [`AccessArgs`]). The commands read them; nothing here runs anything.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValuesParser;
use clap::{Parser, Subcommand};

/// `fc-local [--color WHEN] <command>`.
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
pub(crate) struct Cli {
    /// When to use colours
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start the function, send one event (after /initialize when asked), print the
    /// result and the invocation's log, and stop it
    Invoke(InvokeArgs),
    /// Keep the function running behind a local front door that forwards events or
    /// HTTP requests as FC would; Ctrl-C stops it
    Serve(ServeArgs),
    /// Serve like `serve`, rebuilding (cargo build) and restarting the function the
    /// FC way (pre-stop, SIGTERM, a new instance, /initialize) when its sources
    /// change; requests wait during a restart (up to 60 s)
    Watch(ServeArgs),
    /// Check any custom runtime against FC's contract: one line per check, non-zero
    /// exit on a failure
    Check(CheckArgs),
    /// Build the release binary and write the code package: `bootstrap` (mode 0755)
    /// in a zip, for custom.debian10/11/12
    Package(PackageArgs),
    /// List the real trigger payloads `--example` sends, or write one to stdout
    Examples(ExamplesArgs),
    /// Deploy the s.yaml's fc3 function to FC over its OpenAPI: package it (or take
    /// --zip), create or update the function, then its triggers
    Deploy(DeployArgs),
    /// Create a function crate that builds, passes its tests and `check` as it is:
    /// an event function, an HTTP function (--http) or one for a trigger (--event)
    New(NewArgs),
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colours when the output is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Colours always.
    Always,
    /// No colours.
    Never,
}

/// `fc-local examples [<trigger>]`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExamplesArgs {
    /// Write this trigger's payload to stdout, as FC sends it
    #[arg(value_name = "TRIGGER")]
    pub(crate) trigger: Option<String>,
}

/// `fc-local invoke`: the event, and the function here or (`--remote`) on FC.
#[derive(Debug, clap::Args)]
pub(crate) struct InvokeArgs {
    #[command(flatten)]
    pub(crate) event: EventArgs,
    /// Send `/initialize` first, as FC does for a function configured with an
    /// initializer (sent anyway when the s.yaml configures one)
    #[arg(long)]
    pub(crate) initializer: bool,
    /// Invoke the function deployed on FC (InvokeFunction, with its log tail) instead
    /// of running it here
    #[arg(long)]
    pub(crate) remote: bool,
    /// With --remote: the version or alias to invoke (InvokeFunction's qualifier)
    #[arg(long, value_name = "VERSION|ALIAS", requires = "remote")]
    pub(crate) qualifier: Option<String>,
    #[command(flatten)]
    pub(crate) access: AccessArgs,
    #[command(flatten)]
    pub(crate) function: FunctionArgs,
}

/// `fc-local serve` and `fc-local watch`: the front door and the function behind it.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The front door's port on 127.0.0.1 (0: any free port)
    #[arg(long, default_value_t = 9000)]
    pub(crate) port: u16,
    /// HTTP mode: forward every request as an HTTP invocation
    /// (`x-fc-control-path: /http-invoke`) instead of POST bodies as events
    #[arg(long)]
    pub(crate) http: bool,
    /// Serve under FC 2.0's default-domain prefix `/2016-08-15/proxy/fc-local/<function>/`
    /// and send it in `x-fc-base-path`
    #[arg(long, requires = "http")]
    pub(crate) base_path: bool,
    /// Send `/initialize` before the first request (again after a failure), as FC
    /// does for a function configured with an initializer (sent anyway when the
    /// s.yaml configures one)
    #[arg(long)]
    pub(crate) initializer: bool,
    #[command(flatten)]
    pub(crate) function: FunctionArgs,
}

/// `fc-local check`: the events and paths the checks use.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Check an HTTP function (requests with `x-fc-control-path: /http-invoke`)
    /// instead of an event function
    #[arg(long)]
    pub(crate) http: bool,
    /// The event: one the function succeeds on.
    #[command(flatten)]
    pub(crate) event: EventArgs,
    /// An event the function fails on [default: a body that is not JSON]
    #[arg(long, value_name = "TEXT")]
    pub(crate) fail_data: Option<String>,
    /// An event during which the function sleeps a while (a few hundred ms): the
    /// concurrency check then times parallel invocations against one [default: the
    /// concurrency check holds requests open instead]
    #[arg(long, value_name = "TEXT")]
    pub(crate) sleep_data: Option<String>,
    /// HTTP mode: the path (and query) of a request the app answers
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub(crate) path: String,
    /// HTTP mode: a path prefix under which the app answers with the request it got
    /// (method, path, query and body in its response body), to check passthrough
    #[arg(long, value_name = "PATH")]
    pub(crate) echo_path: Option<String>,
    /// HTTP mode: a path whose request sleeps a while, for the concurrency check
    #[arg(long, value_name = "PATH")]
    pub(crate) sleep_path: Option<String>,
    /// HTTP mode: a path where the app accepts a WebSocket and answers a text message
    /// [default: no websocket check]
    #[arg(long, value_name = "PATH")]
    pub(crate) websocket_path: Option<String>,
    /// HTTP mode: the health-check path FC probes [default: s.yaml's
    /// healthCheckConfig.httpGetUrl, else no health check]
    #[arg(long, value_name = "PATH")]
    pub(crate) health_path: Option<String>,
    /// How many invocations the concurrency check sends at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(2..=200))]
    pub(crate) parallel: u16,
    /// How long the keep-alive check leaves its connection idle, in seconds
    #[arg(long, value_name = "S", default_value = "1", value_parser = parse_seconds)]
    pub(crate) idle: Duration,
    /// Do not send `/initialize` (a function configured without an initializer; with an
    /// s.yaml, it is sent only when one is configured)
    #[arg(long)]
    pub(crate) no_initialize: bool,
    /// Show the function's output as it comes
    #[arg(short, long)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) function: FunctionArgs,
}

/// `fc-local package`: what to build (or take) and where the package goes.
#[derive(Debug, clap::Args)]
pub(crate) struct PackageArgs {
    /// The binary target to build and package
    #[arg(long, value_name = "NAME", required_unless_present_any = ["example", "binary"], conflicts_with = "example")]
    pub(crate) bin: Option<String>,
    /// An example target to build and package instead
    #[arg(long, value_name = "NAME")]
    pub(crate) example: Option<String>,
    /// Package this executable, already built, instead of building one
    #[arg(long, value_name = "FILE", conflicts_with_all = ["bin", "example"])]
    pub(crate) binary: Option<PathBuf>,
    /// Build for this target: x86_64-unknown-linux-musl (static, with fc's jemalloc),
    /// `host` (cargo's default, this machine's glibc), or x86_64-unknown-linux-gnu.2.28
    /// (linked against glibc 2.28 by cargo-zigbuild)
    #[arg(long, value_name = "TRIPLE", default_value = crate::package::DEFAULT_TARGET)]
    pub(crate) target: String,
    /// The package to build in a workspace (cargo's -p)
    #[arg(short = 'p', long, value_name = "SPEC")]
    pub(crate) package: Option<String>,
    /// Pass --locked to cargo
    #[arg(long)]
    pub(crate) locked: bool,
    /// Where `bootstrap` and the zip go
    #[arg(long, value_name = "DIR", default_value = "target/fc")]
    pub(crate) out: PathBuf,
    /// The zip's file name, in --out
    #[arg(long, value_name = "NAME", default_value = "code.zip")]
    pub(crate) zip: String,
}

impl PackageArgs {
    /// What `fc-local deploy` packages: `--bin bin` for `target`, into target/fc/code.zip.
    pub(crate) fn for_bin(bin: String, target: String, package: Option<String>) -> PackageArgs {
        PackageArgs {
            bin: Some(bin),
            example: None,
            binary: None,
            target,
            package,
            locked: false,
            out: PathBuf::from("target/fc"),
            zip: "code.zip".to_owned(),
        }
    }
}

/// `fc-local deploy`: which s.yaml resource, where to, and its code.
#[derive(Debug, clap::Args)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    pub(crate) access: AccessArgs,
    /// The region [default: the resource's props.region, else the aliyun profile's]
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// The s.yaml [default: ./s.yaml or ./s.yml]
    #[arg(long, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Deploy this code zip instead of packaging (it must hold an executable
    /// `bootstrap`)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["bin", "target"])]
    pub(crate) zip: Option<PathBuf>,
    /// The binary target to package, as `fc-local package --bin` [default: the
    /// function's name, as `fc-local new` names both]
    #[arg(long, value_name = "NAME")]
    pub(crate) bin: Option<String>,
    /// The target to build for, as `fc-local package --target`
    #[arg(long, value_name = "TRIPLE", default_value = crate::package::DEFAULT_TARGET)]
    pub(crate) target: String,
    /// The package to build in a workspace (cargo's -p)
    #[arg(short = 'p', long, value_name = "SPEC")]
    pub(crate) package: Option<String>,
    /// Print the requests it would send (without secrets or the zip's bytes) and
    /// send none
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// `fc-local new`: where, and which kind of function.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The directory to create; its last component is the crate's name, which is also
    /// the binary's and the FC function's
    #[arg(value_name = "PATH")]
    pub(crate) path: PathBuf,
    /// The crate's name [default: the directory's name]
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,
    /// An HTTP function: an axum app, with FC's health check answered
    #[arg(long, conflicts_with = "event")]
    pub(crate) http: bool,
    /// A function for this trigger, taking its typed event (`fc-local examples` shows
    /// each trigger's payload)
    #[arg(long, value_name = "TRIGGER", value_parser = PossibleValuesParser::new(crate::new::template::TRIGGERS.iter().map(|t| t.name())))]
    pub(crate) event: Option<String>,
    /// A custom container: the Dockerfile is the entry, s.yaml has
    /// customContainerConfig (default: a code package for custom.debian12)
    #[arg(long)]
    pub(crate) container: bool,
    /// Take fc from this local checkout (the directory of fc-rs's Cargo.toml) instead
    /// of crates.io
    #[arg(long, value_name = "DIR", conflicts_with = "fc_git")]
    pub(crate) fc_path: Option<PathBuf>,
    /// Take fc from this git repository instead of crates.io
    #[arg(long, value_name = "URL")]
    pub(crate) fc_git: Option<String>,
}

/// Where the event comes from: a file, standard input, inline text or a real
/// trigger payload.
#[derive(Debug, clap::Args)]
pub(crate) struct EventArgs {
    /// The event: a file, or `-` for standard input [default: none for invoke, `{}` for
    /// check]
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["data", "example"])]
    pub(crate) event: Option<PathBuf>,
    /// The event, inline
    #[arg(short = 'd', long, value_name = "TEXT", conflicts_with = "example")]
    pub(crate) data: Option<String>,
    /// A real trigger payload as the event, in FC's wire form (`fc-local examples`
    /// lists them)
    #[arg(long, value_name = "TRIGGER")]
    pub(crate) example: Option<String>,
}

impl EventArgs {
    /// The event given, or None when none was.
    pub(crate) fn read(&self) -> Result<Option<Vec<u8>>, String> {
        use std::io::Read;
        match (&self.event, &self.data, &self.example) {
            (_, Some(data), _) => Ok(Some(data.as_bytes().to_vec())),
            (_, _, Some(trigger)) => Ok(Some(crate::payloads::example(trigger)?.bytes().to_vec())),
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
    pub(crate) config: Option<PathBuf>,
    /// Ignore ./s.yaml
    #[arg(long)]
    pub(crate) no_config: bool,
    /// The function's command and its arguments, after `--` (watch: [default: cargo
    /// run -q])
    #[arg(last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

/// Where and as whom: what `deploy` and `invoke --remote` share.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct AccessArgs {
    /// FC's API endpoint, an http:// or https:// URL [default: FC's public endpoint of
    /// the region, fcv3.REGION.aliyuncs.com over HTTPS]
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// The aliyun CLI profile (~/.aliyun/config.json) whose AccessKey to use [default:
    /// ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/SECURITY_TOKEN, else the CLI's current
    /// profile]
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The s.yaml resource (a key under `resources`) when there are several fc3 ones
    /// [default: the only one]
    #[arg(long, value_name = "NAME")]
    pub(crate) resource: Option<String>,
}

/// `-e KEY=VALUE`.
fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

/// Seconds, as a duration: `0.3`, `2`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=900.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("`{text}` is not a number of seconds from 0 to 900")),
    }
}
