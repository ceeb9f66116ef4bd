//! The files of a new function crate: each template is a file in `templates/` (each
//! trigger's `src/main.rs` is in the trigger table, `fc-rs-triggers`), embedded, with
//! `{{placeholders}}` filled in by [`render`]. The Rust sources have no placeholders:
//! they are compiled and tested as they are (fc-local's `tests/it/templates.rs`, and
//! fc-rs-triggers' tests for the triggers').

/// What kind of function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[fc::invoke]` on a JSON event of its own.
    Event,
    /// `#[fc::http]`: an axum app.
    Http,
    /// `#[fc::invoke]` on a trigger's typed event.
    Trigger(&'static Trigger),
}

/// A trigger `--event` takes: its name (also the payload's, for `--example`), what it
/// is, and the `src/main.rs` that takes its event, from the one trigger table.
pub(crate) use fc_triggers::Template as Trigger;

/// Every trigger with a typed event in `fc::events`, a real payload in
/// `fc::events::payloads` and a template (whose test sends that payload).
pub(crate) use fc_triggers::{TEMPLATES as TRIGGERS, template as trigger};

/// Where the crate takes fc from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FcSource {
    /// crates.io, this version.
    Version(String),
    /// A local checkout: the directory of fc-rs's Cargo.toml (absolute).
    Path(String),
    /// A git repository.
    Git(String),
}

impl FcSource {
    /// The dependency line of Cargo.toml.
    fn dependency(&self) -> String {
        match self {
            Self::Version(version) => format!("fc-rs = {}", toml_string(version)),
            Self::Path(path) => format!("fc-rs = {{ path = {} }}", toml_string(path)),
            Self::Git(url) => format!("fc-rs = {{ git = {} }}", toml_string(url)),
        }
    }
}

/// What the crate is.
#[derive(Debug)]
pub(crate) struct Crate {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) container: bool,
    pub(crate) fc: FcSource,
}

impl Crate {
    /// "event function", "function for an OSS trigger".
    pub(crate) fn what(&self) -> String {
        match self.kind {
            Kind::Event => "event function".to_owned(),
            Kind::Http => "HTTP function (an axum app)".to_owned(),
            Kind::Trigger(trigger) => format!("function for {}", trigger.about()),
        }
    }

    /// "An FC event function", for the README and s.yaml.
    pub(crate) fn description(&self) -> String {
        format!("An FC {}", self.what())
    }

    /// The commands to run it here, each with what it does.
    pub(crate) fn commands(&self) -> Vec<(String, &'static str)> {
        let mut commands = match self.kind {
            Kind::Event => vec![(
                r#"fc-local invoke --data '{"name": "FC"}' -- cargo run -q"#.to_owned(),
                "one invocation, as FC sends it",
            )],
            Kind::Http => vec![
                (
                    "fc-local serve --http -- cargo run -q".to_owned(),
                    "serve it on localhost:9000, as FC forwards requests",
                ),
                (
                    "curl -s localhost:9000/hello/FC".to_owned(),
                    "from another terminal; Ctrl-C stops serve",
                ),
            ],
            Kind::Trigger(trigger) => vec![(
                format!(
                    "fc-local invoke --example {} -- cargo run -q",
                    trigger.name()
                ),
                "one invocation with a real event of the trigger",
            )],
        };
        commands.push(("cargo test".to_owned(), "its tests, on fc::testing"));
        commands.push((
            format!("fc-local check {}-- cargo run -q", self.check_args()),
            "FC's contract, one line per check",
        ));
        commands
    }

    /// The options `fc-local check` needs for this crate, each followed by a space.
    pub(crate) fn check_args(&self) -> String {
        match self.kind {
            Kind::Event => String::new(),
            Kind::Http => "--http ".to_owned(),
            Kind::Trigger(trigger) => format!("--example {} ", trigger.name()),
        }
    }

    /// Whether the app answers FC's health check (and s.yaml configures one).
    fn health_check(&self) -> bool {
        self.kind == Kind::Http
    }

    /// Every file, by its path in the crate, with its contents.
    pub(crate) fn files(&self) -> Vec<(&'static str, String)> {
        let main = match self.kind {
            Kind::Event => include_str!("templates/event.rs"),
            Kind::Http => include_str!("templates/http.rs"),
            Kind::Trigger(trigger) => trigger.main(),
        };
        let s_yaml = if self.container {
            include_str!("templates/s.container.yaml.tmpl")
        } else {
            include_str!("templates/s.code.yaml.tmpl")
        };
        let triggers = match self.kind {
            Kind::Event => String::new(),
            Kind::Http => include_str!("templates/s.http-trigger.yaml").to_owned(),
            Kind::Trigger(trigger) => render(
                include_str!("templates/s.event-trigger.yaml"),
                &[("trigger", trigger.about().to_owned())],
            ),
        };
        let health = if self.health_check() {
            include_str!("templates/s.health.yaml")
        } else {
            ""
        };
        let deploy = if self.container {
            include_str!("templates/README.container.md")
        } else {
            include_str!("templates/README.code.md")
        };
        let vars = [
            ("name", self.name.clone()),
            ("description", self.description()),
            ("fc_dependency", self.fc.dependency()),
            ("health_check", health.to_owned()),
            ("triggers", triggers),
            ("commands", aligned(&self.commands())),
            (
                "deploy",
                render(deploy, &[("name", self.name.clone())])
                    .trim_end()
                    .to_owned(),
            ),
        ];
        let file = |template: &str| render(template, &vars);
        vec![
            (
                "Cargo.toml",
                file(include_str!("templates/Cargo.toml.tmpl")),
            ),
            ("src/main.rs", main.to_owned()),
            ("s.yaml", file(s_yaml).trim_end().to_owned() + "\n"),
            (
                "Dockerfile",
                file(include_str!("templates/Dockerfile.tmpl")),
            ),
            (
                ".dockerignore",
                include_str!("templates/dockerignore").to_owned(),
            ),
            (".gitignore", include_str!("templates/gitignore").to_owned()),
            ("README.md", file(include_str!("templates/README.md.tmpl"))),
        ]
    }
}

/// `template` with every `{{key}}` replaced by its value (values are not rescanned).
fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let key = &after[..end];
            let (_, value) = vars.iter().find(|(k, _)| *k == key)?;
            Some((value, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Commands with their comments lined up: `cargo test   # its tests`.
fn aligned(commands: &[(String, &str)]) -> String {
    let width = commands
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    commands
        .iter()
        .map(|(command, what)| {
            let pad = width - command.chars().count();
            format!("{command}{}   # {what}", " ".repeat(pad))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_crate() -> Vec<Crate> {
        let kinds = [Kind::Event, Kind::Http]
            .into_iter()
            .chain(TRIGGERS.iter().map(Kind::Trigger));
        kinds
            .flat_map(|kind| {
                [false, true].map(|container| Crate {
                    name: "my-function".to_owned(),
                    kind,
                    container,
                    fc: FcSource::Version("0.1.0".to_owned()),
                })
            })
            .collect()
    }

    #[test]
    fn every_placeholder_is_filled() {
        for krate in every_crate() {
            for (path, text) in krate.files() {
                assert!(!text.contains("{{"), "{path} of {krate:?}:\n{text}");
                assert!(
                    text.ends_with('\n'),
                    "{path} of {krate:?} ends its last line"
                );
            }
        }
    }

    #[test]
    fn s_yaml_is_what_fc_local_reads() {
        for krate in every_crate() {
            let files = krate.files();
            let (_, s_yaml) = files.iter().find(|(p, _)| *p == "s.yaml").unwrap();
            let config = crate::config::parse(s_yaml, std::path::Path::new("s.yaml"))
                .unwrap_or_else(|e| panic!("{krate:?}: {e}\n{s_yaml}"));
            assert_eq!(config.function_name.as_deref(), Some("my-function"));
            assert_eq!(config.timeout_s, 60);
            assert_eq!(config.instance_concurrency, 20);
            // No hook configured: the templates have no #[fc::initialize] or #[fc::pre_stop].
            assert_eq!((&config.initializer, &config.pre_stop), (&None, &None));
            assert_eq!(
                config.health_check.map(|h| h.http_get_url),
                (krate.kind == Kind::Http).then(|| "/healthz".to_owned()),
                "{krate:?}"
            );
            assert!(config.warnings.is_empty(), "{:?}", config.warnings);
            let container = s_yaml.contains("customContainerConfig:");
            assert_eq!(container, krate.container);
            assert_eq!(
                s_yaml.contains("code: ./target/fc/code.zip"),
                !krate.container
            );
            assert_eq!(
                s_yaml.contains("triggerType: http"),
                krate.kind == Kind::Http
            );
            // The trigger is named once, in words: "… come from an OSS trigger".
            if let Kind::Trigger(trigger) = krate.kind {
                let about = trigger.about();
                assert!(s_yaml.contains(&format!(" {about}:")), "{about}:\n{s_yaml}");
                assert!(!s_yaml.contains(&format!("{about} trigger")), "{s_yaml}");
            }
        }
    }

    #[test]
    fn cargo_toml_names_fc_as_asked() {
        let mut krate = Crate {
            name: "f".to_owned(),
            kind: Kind::Event,
            container: false,
            fc: FcSource::Version("0.1.0".to_owned()),
        };
        let cargo_toml = |krate: &Crate| krate.files()[0].1.clone();
        assert!(cargo_toml(&krate).contains("\nfc-rs = \"0.1.0\"\n"));
        // Release builds leave trace lines out (the README's Release profile says why).
        assert!(cargo_toml(&krate).contains(
            "\ntracing = { version = \"0.1\", features = [\"release_max_level_debug\"] }\n"
        ));
        krate.fc = FcSource::Path(r#"/w/a "b"\c"#.to_owned());
        assert!(cargo_toml(&krate).contains(r#"fc-rs = { path = "/w/a \"b\"\\c" }"#));
        krate.fc = FcSource::Git("https://example.invalid/fc.git".to_owned());
        assert!(
            cargo_toml(&krate).contains(r#"fc-rs = { git = "https://example.invalid/fc.git" }"#)
        );
    }

    #[test]
    fn placeholders_are_replaced_once() {
        let vars = [("a", "{{b}}".to_owned()), ("b", "B".to_owned())];
        assert_eq!(render("x{{a}}y{{b}}{{c}}{{", &vars), "x{{b}}yB{{c}}{{");
    }
}
