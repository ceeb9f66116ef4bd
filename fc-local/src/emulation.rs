//! What fc-local does as FC would for this function's configuration (its `s.yaml`,
//! when there is one): which hooks it calls and how long they may take, the health
//! check, instance concurrency, and where the code and the configuration disagree in
//! a way that shows from outside.

use std::time::Duration;

use crate::args::FunctionArgs;
use crate::client::{self, Conn};
use crate::config::{self, FunctionConfig, HealthCheck};
use crate::error::Error;
use crate::identity;
use crate::logs::Line;
use crate::marker::{Edge, Kind, Marker};
use crate::request::Requests;
use crate::ui::{Style, Ui};

/// How long `/pre-stop` may take without a configured timeout (FC allows up to 90 s).
const PRE_STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `/initialize` may take without a configured timeout (FC: up to 300 s).
const INITIALIZE_TIMEOUT: Duration = Duration::from_secs(300);
/// Between two health-check attempts.
const HEALTH_RETRY: Duration = Duration::from_secs(1);

/// The function's configuration as fc-local emulates it.
#[derive(Debug, Default)]
pub(crate) struct Emulation {
    config: Option<FunctionConfig>,
}

impl Emulation {
    /// The configuration `args` point at (or `./s.yaml`), said in one line with any
    /// field that cannot be used; on a broken file, the error saying why.
    pub(crate) fn load(args: &FunctionArgs, ui: &Ui) -> Result<Emulation, Error> {
        if args.no_config {
            return Ok(Emulation::default());
        }
        let config = config::load(args.config.as_deref())
            .map_err(|e| Error::fatal(format!("fc-local: {e}")))?;
        if let Some(config) = &config {
            let hook = |h: &Option<config::Hook>| match h {
                Some(h) => format!("`{}`", h.handler),
                None => "none".to_owned(),
            };
            ui.say(&ui.paint(
                Style::Dim,
                &format!(
                    "fc-local: emulating {}: memorySize {} MB, timeout {} s, \
                     instanceConcurrency {}, {} environment variables, initializer {}, \
                     preStop {}, health check {}",
                    config.describe(),
                    config.memory_mb,
                    config.timeout_s,
                    config.instance_concurrency,
                    config.environment.len(),
                    hook(&config.initializer),
                    hook(&config.pre_stop),
                    config
                        .health_check
                        .as_ref()
                        .map_or("none".to_owned(), |h| format!("GET {}", h.http_get_url)),
                ),
            ));
            for warning in &config.warnings {
                ui.say(&ui.paint(Style::Yellow, &format!("fc-local: s.yaml: {warning}")));
            }
        }
        Ok(Emulation { config })
    }

    /// The s.yaml emulated, if any.
    pub(crate) fn config(&self) -> Option<&FunctionConfig> {
        self.config.as_ref()
    }

    /// s.yaml's environmentVariables.
    pub(crate) fn environment(&self) -> &[(String, String)] {
        self.config.as_ref().map_or(&[], |c| &c.environment)
    }

    /// Whether `/initialize` is sent: when asked, or when an initializer is configured.
    pub(crate) fn sends_initialize(&self, asked: bool) -> bool {
        asked
            || self
                .config
                .as_ref()
                .is_some_and(|c| c.initializer.is_some())
    }

    /// How long `/initialize` may take: the initializer's timeout.
    pub(crate) fn initialize_timeout(&self) -> Duration {
        self.config
            .as_ref()
            .and_then(|c| c.initializer.as_ref()?.timeout)
            .map_or(INITIALIZE_TIMEOUT, Duration::from_secs)
    }

    /// Whether `/pre-stop` is sent on stop: always without an s.yaml (as before
    /// fc-local read one), else when preStop is configured.
    pub(crate) fn sends_pre_stop(&self) -> bool {
        self.config.as_ref().is_none_or(|c| c.pre_stop.is_some())
    }

    /// How long `/pre-stop` may take: preStop's timeout.
    pub(crate) fn pre_stop_timeout(&self) -> Duration {
        self.config
            .as_ref()
            .and_then(|c| c.pre_stop.as_ref()?.timeout)
            .map_or(PRE_STOP_TIMEOUT, Duration::from_secs)
    }

    /// instanceConcurrency, when configured: how many requests FC sends one instance
    /// at once.
    pub(crate) fn instance_concurrency(&self) -> Option<usize> {
        self.config
            .as_ref()
            .map(|c| usize::try_from(c.instance_concurrency).unwrap_or(usize::MAX))
    }

    /// The configured health check.
    pub(crate) fn health_check(&self) -> Option<&HealthCheck> {
        self.config.as_ref()?.health_check.as_ref()
    }

    /// The first health check, as FC runs it after the initializer: `GET httpGetUrl`
    /// until it answers 200–399, at most failureThreshold times. None when none is
    /// configured; Err when the instance would not start on FC.
    pub(crate) async fn first_health_check(
        &self,
        requests: &Requests,
        addr: std::net::SocketAddr,
    ) -> Option<Result<String, String>> {
        let check = self.health_check()?;
        tokio::time::sleep(Duration::from_secs(check.initial_delay_seconds)).await;
        let timeout = Duration::from_secs(check.timeout_seconds.max(1));
        let mut last = String::new();
        for attempt in 1..=check.failure_threshold {
            if attempt > 1 {
                tokio::time::sleep(HEALTH_RETRY).await;
            }
            let request = requests.build(
                http::Method::GET,
                &check.http_get_url,
                &identity::request_id(),
                identity::Control::None,
                client::full(bytes::Bytes::new()),
            );
            let reply = match Conn::connect(addr).await {
                Ok(mut conn) => client::exchange(&mut conn, request, timeout).await,
                Err(e) => Err(e),
            };
            match reply {
                Ok(reply) if (200..400).contains(&reply.status.as_u16()) => {
                    return Some(Ok(format!(
                        "GET {} answered {} (attempt {attempt})",
                        check.http_get_url,
                        reply.status.as_u16()
                    )));
                }
                Ok(reply) => last = format!("answered {}", reply.status.as_u16()),
                Err(e) => last = e,
            }
        }
        Some(Err(format!(
            "GET {} failed {} times (last: {last}); FC takes the instance for one that \
             did not start (healthCheckConfig in {})",
            check.http_get_url,
            check.failure_threshold,
            self.config
                .as_ref()
                .map_or_else(String::new, FunctionConfig::describe)
        )))
    }

    /// [`Emulation::first_health_check`], said in a line; false when it failed.
    pub(crate) async fn health_check_at_start(
        &self,
        requests: &Requests,
        addr: std::net::SocketAddr,
        ui: &Ui,
    ) -> bool {
        match self.first_health_check(requests, addr).await {
            Some(Ok(passed)) => {
                ui.say(&ui.paint(Style::Dim, &format!("fc-local: health check: {passed}")));
                true
            }
            Some(Err(why)) => {
                ui.say(&ui.paint(Style::Red, &format!("fc-local: health check: {why}")));
                false
            }
            None => true,
        }
    }

    /// Where the function's output shows that its code and s.yaml disagree:
    /// `initialized` are the ids of the `/initialize` requests sent.
    pub(crate) fn disagreements(&self, lines: &[Line], initialized: &[String]) -> Vec<String> {
        let Some(config) = &self.config else {
            return Vec::new();
        };
        let initialize_starts: Vec<&str> = lines
            .iter()
            .filter_map(|l| match Marker::parse(&l.text) {
                Some((m, id)) if m == Marker::new(Kind::Initialize, Edge::Start) => Some(id),
                _ => None,
            })
            .collect();
        let mut notes = Vec::new();
        if config.initializer.is_none() && !initialize_starts.is_empty() {
            notes.push(format!(
                "the function ran an initializer (`FC Initialize Start` in its log) but {} \
                 configures none: on FC it runs inside the first invocation, within that \
                 invocation's timeout; add instanceLifecycleConfig.initializer",
                config.describe()
            ));
        }
        if config.initializer.is_some() {
            let unmarked: Vec<&String> = initialized
                .iter()
                .filter(|id| !initialize_starts.contains(&id.as_str()))
                .collect();
            if !unmarked.is_empty() && unmarked.len() == initialized.len() {
                notes.push(format!(
                    "{} configures an initializer, but the function printed no `FC \
                     Initialize Start` for /initialize: it may have none (fc prints the \
                     markers only for an #[fc::initialize]); remove \
                     instanceLifecycleConfig.initializer if so",
                    config.describe()
                ));
            }
        }
        notes
    }

    /// Prints [`Emulation::disagreements`] as warnings.
    pub(crate) fn warn_disagreements(&self, lines: &[Line], initialized: &[String], ui: &Ui) {
        for note in self.disagreements(lines, initialized) {
            ui.say(&ui.paint(Style::Yellow, &format!("fc-local: warning: {note}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::logs::Stream;

    fn emulation(lifecycle: &str) -> Emulation {
        let text = format!(
            "resources:\n  f:\n    component: fc3\n    props:\n      functionName: f\n{lifecycle}"
        );
        Emulation {
            config: Some(config::parse(&text, Path::new("s.yaml")).expect("parses")),
        }
    }

    fn line(text: &str) -> Line {
        Line {
            stream: Stream::Stdout,
            text: text.to_owned(),
        }
    }

    #[test]
    fn code_and_config_disagreeing_is_noticed_both_ways() {
        let lazy = [
            line("FC Initialize Start RequestId: 1-inv"),
            line("FC Initialize End RequestId: 1-inv"),
        ];
        let none = emulation("");
        assert!(!none.sends_initialize(false) && !none.sends_pre_stop());
        assert_eq!(none.disagreements(&lazy, &[]).len(), 1);
        assert!(none.disagreements(&[line("hello")], &[]).is_empty());

        let configured = emulation(
            "      instanceLifecycleConfig:\n        initializer: { handler: 'true', timeout: 7 }\n",
        );
        assert!(configured.sends_initialize(false));
        assert_eq!(configured.initialize_timeout(), Duration::from_secs(7));
        let sent = ["1-init".to_owned()];
        assert_eq!(configured.disagreements(&[line("hello")], &sent).len(), 1);
        let marked = [line("FC Initialize Start RequestId: 1-init")];
        assert!(configured.disagreements(&marked, &sent).is_empty());

        let unconfigured = Emulation::default();
        assert!(unconfigured.sends_pre_stop() && !unconfigured.sends_initialize(false));
        assert!(unconfigured.disagreements(&lazy, &[]).is_empty());
    }
}
