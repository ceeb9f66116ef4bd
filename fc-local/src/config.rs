//! The function's deployment configuration: Serverless Devs' `s.yaml` for FC 3.0's
//! `fc3` component (contract §9). fc-local reads the first `fc3` resource's `props`
//! (field names as in devsapp/fc3's schema) and emulates what FC does with them.
//! Values that Serverless Devs would fill in (`${vars.x}`, `${env('X')}`) are not
//! resolved: such a field is ignored, with a warning.

use std::path::{Path, PathBuf};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
use yaml_rust2::{Yaml, YamlLoader};

/// The names Serverless Devs looks for, in this order.
const FILE_NAMES: [&str; 2] = ["s.yaml", "s.yml"];

/// FC 3.0's defaults for what a configuration leaves out (devsapp/fc3's schema).
const DEFAULT_MEMORY_MB: u32 = 512;
const DEFAULT_TIMEOUT_S: u64 = 3;
const DEFAULT_CONCURRENCY: u32 = 1;

/// A lifecycle hook: `instanceLifecycleConfig.initializer` or `.preStop`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hook {
    pub(crate) handler: String,
    /// Seconds.
    pub(crate) timeout: Option<u64>,
}

/// `customRuntimeConfig.healthCheckConfig` (or `customContainerConfig`'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HealthCheck {
    pub(crate) http_get_url: String,
    pub(crate) initial_delay_seconds: u64,
    pub(crate) timeout_seconds: u64,
    pub(crate) failure_threshold: u64,
}

/// What fc-local takes from one function resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FunctionConfig {
    /// The file it came from.
    pub(crate) file: PathBuf,
    /// The resource's key under `resources`.
    pub(crate) resource: String,
    pub(crate) function_name: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) memory_mb: u32,
    pub(crate) timeout_s: u64,
    pub(crate) instance_concurrency: u32,
    pub(crate) environment: Vec<(String, String)>,
    pub(crate) initializer: Option<Hook>,
    pub(crate) pre_stop: Option<Hook>,
    pub(crate) health_check: Option<HealthCheck>,
    /// Fields present but not used, and why.
    pub(crate) warnings: Vec<String>,
}

/// The configuration to use: `explicit` (which must exist), else `s.yaml` or `s.yml`
/// in the current directory, else none.
pub(crate) fn load(explicit: Option<&Path>) -> Result<Option<FunctionConfig>, String> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => match FILE_NAMES.iter().map(PathBuf::from).find(|p| p.is_file()) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text, &path)
        .map(Some)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The first `fc3` resource of an `s.yaml`.
pub(crate) fn parse(text: &str, file: &Path) -> Result<FunctionConfig, String> {
    refuse_aliases(text)?;
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let doc = docs.first().ok_or("empty file")?;
    let resources = doc["resources"]
        .as_hash()
        .ok_or("no `resources` map (a Serverless Devs s.yaml has one)")?;
    let (name, resource) = resources
        .iter()
        .find(|(_, r)| {
            r["component"]
                .as_str()
                .is_some_and(|c| c == "fc3" || c.starts_with("fc3@") || c.starts_with("fc3 "))
        })
        .ok_or("no resource with `component: fc3` (FC 3.0)")?;
    let props = &resource["props"];
    let mut warnings = Vec::new();
    let mut read = Reader {
        warnings: &mut warnings,
    };
    let lifecycle = &props["instanceLifecycleConfig"];
    let health = if props["customContainerConfig"]["healthCheckConfig"].is_badvalue() {
        &props["customRuntimeConfig"]["healthCheckConfig"]
    } else {
        &props["customContainerConfig"]["healthCheckConfig"]
    };
    let config = FunctionConfig {
        file: file.to_owned(),
        resource: name.as_str().unwrap_or("?").to_owned(),
        function_name: read.text(props, "functionName"),
        region: read.text(props, "region"),
        memory_mb: read
            .number(props, "memorySize")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(DEFAULT_MEMORY_MB),
        timeout_s: read.number(props, "timeout").unwrap_or(DEFAULT_TIMEOUT_S),
        instance_concurrency: read
            .number(props, "instanceConcurrency")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(DEFAULT_CONCURRENCY)
            .max(1),
        environment: read.environment(&props["environmentVariables"]),
        initializer: read.hook(lifecycle, "initializer"),
        pre_stop: read.hook(lifecycle, "preStop"),
        health_check: read.text(health, "httpGetUrl").map(|url| HealthCheck {
            http_get_url: url,
            initial_delay_seconds: read.number(health, "initialDelaySeconds").unwrap_or(0),
            timeout_seconds: read.number(health, "timeoutSeconds").unwrap_or(1),
            failure_threshold: read.number(health, "failureThreshold").unwrap_or(3).max(1),
        }),
        warnings: Vec::new(),
    };
    Ok(FunctionConfig { warnings, ..config })
}

/// Reads fields, noting the ones it cannot use.
struct Reader<'a> {
    warnings: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn text(&mut self, map: &Yaml, key: &str) -> Option<String> {
        let value = match &map[key] {
            Yaml::BadValue | Yaml::Null => return None,
            Yaml::String(s) => s.clone(),
            Yaml::Integer(n) => n.to_string(),
            Yaml::Real(r) => r.clone(),
            Yaml::Boolean(b) => b.to_string(),
            _ => {
                self.warnings
                    .push(format!("`{key}` is not a plain value; ignored"));
                return None;
            }
        };
        if value.contains("${") {
            self.warnings.push(format!(
                "`{key}: {value}` needs Serverless Devs to fill it in; ignored"
            ));
            return None;
        }
        Some(value)
    }

    fn number(&mut self, map: &Yaml, key: &str) -> Option<u64> {
        let text = self.text(map, key)?;
        match text.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.warnings
                    .push(format!("`{key}: {text}` is not a whole number; ignored"));
                None
            }
        }
    }

    fn environment(&mut self, map: &Yaml) -> Vec<(String, String)> {
        let Some(hash) = map.as_hash() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, _) in hash {
            let Some(key) = key.as_str() else { continue };
            if let Some(value) = self.text(map, key) {
                out.push((key.to_owned(), value));
            }
        }
        out
    }

    fn hook(&mut self, lifecycle: &Yaml, key: &str) -> Option<Hook> {
        let hook = &lifecycle[key];
        // FC takes a hook with an empty handler for none.
        let handler = self.text(hook, "handler").filter(|h| !h.is_empty())?;
        Some(Hook {
            handler,
            timeout: self.number(hook, "timeout"),
        })
    }
}

impl FunctionConfig {
    /// `s.yaml (resource hello)`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!("{} (resource {})", self.file.display(), self.resource)
    }
}

/// Refuses YAML aliases (`*name`) before the file is loaded: the loader copies the
/// anchored node for every alias, so a few hundred bytes of nested aliases ("billion
/// laughs") expand to gigabytes. An `s.yaml` needs none (Serverless Devs uses
/// `${vars}`). The events are read without building anything, in linear time.
fn refuse_aliases(text: &str) -> Result<(), String> {
    struct FirstAlias(Option<usize>);
    impl MarkedEventReceiver for FirstAlias {
        fn on_event(&mut self, event: Event, mark: Marker) {
            if matches!(event, Event::Alias(_)) && self.0.is_none() {
                self.0 = Some(mark.line());
            }
        }
    }
    let mut first = FirstAlias(None);
    // A syntax error is left for the loader to report.
    let _ = Parser::new_from_str(text).load(&mut first, true);
    match first.0 {
        Some(line) => Err(format!(
            "line {line}: YAML aliases (`*name`) are refused: fc-local does not expand them \
             (nested ones can take gigabytes); write the value out instead"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
edition: 3.0.0
name: app
vars:
  region: cn-shanghai
resources:
  site:
    component: fc3-domain
    props: { domainName: auto }
  hello:
    component: fc3
    props:
      region: ${vars.region}
      functionName: hello
      runtime: custom.debian12
      code: ./target/fc
      memorySize: 1024
      timeout: 30
      instanceConcurrency: 20
      environmentVariables:
        APP_MODE: production
        RETRIES: 3
      customRuntimeConfig:
        command: ['/code/bootstrap']
        port: 9000
        healthCheckConfig:
          httpGetUrl: /ready
          initialDelaySeconds: 1
          timeoutSeconds: 2
      instanceLifecycleConfig:
        initializer: { handler: 'true', timeout: 30 }
        preStop: { handler: '', timeout: 10 }
"#;

    #[test]
    fn the_first_fc3_resource_is_read_with_fcs_field_names() {
        let config = parse(FULL, Path::new("s.yaml")).expect("parses");
        assert_eq!(config.resource, "hello");
        assert_eq!(config.function_name.as_deref(), Some("hello"));
        assert_eq!(config.region, None, "a ${{vars}} value is not resolved");
        assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
        assert!(
            config.warnings[0].contains("region"),
            "{:?}",
            config.warnings
        );
        assert_eq!(
            (
                config.memory_mb,
                config.timeout_s,
                config.instance_concurrency
            ),
            (1024, 30, 20)
        );
        assert_eq!(
            config.environment,
            [
                ("APP_MODE".to_owned(), "production".to_owned()),
                ("RETRIES".to_owned(), "3".to_owned())
            ]
        );
        assert_eq!(
            config.initializer,
            Some(Hook {
                handler: "true".to_owned(),
                timeout: Some(30)
            })
        );
        assert_eq!(config.pre_stop, None, "an empty handler is no hook");
        assert_eq!(
            config.health_check,
            Some(HealthCheck {
                http_get_url: "/ready".to_owned(),
                initial_delay_seconds: 1,
                timeout_seconds: 2,
                failure_threshold: 3,
            })
        );
    }

    #[test]
    fn fcs_defaults_fill_what_is_left_out() {
        let text = "resources:\n  f:\n    component: fc3\n    props:\n      functionName: f\n";
        let config = parse(text, Path::new("s.yaml")).expect("parses");
        assert_eq!(
            (
                config.memory_mb,
                config.timeout_s,
                config.instance_concurrency
            ),
            (512, 3, 1)
        );
        assert!(config.initializer.is_none() && config.pre_stop.is_none());
        assert!(config.health_check.is_none() && config.environment.is_empty());
    }

    #[test]
    fn files_without_an_fc3_function_are_refused() {
        for text in [
            "",
            "edition: 3.0.0",
            "resources:\n  x:\n    component: fc\n",
            "resources: [1",
        ] {
            assert!(parse(text, Path::new("s.yaml")).is_err(), "{text:?}");
        }
    }

    /// The review's 589-byte s.yaml: ten aliases per level, seven levels (10^7
    /// strings once expanded; 2.8 GB before fc-local ran out of memory).
    fn billion_laughs() -> String {
        let mut lines = vec![
            "edition: 3.0.0".to_owned(),
            "name: app".to_owned(),
            "vars:".to_owned(),
            "  a0: &a0 \"lol\"".to_owned(),
        ];
        for i in 1..8 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            lines.push(format!("  a{i}: &a{i} [{refs}]"));
        }
        lines.extend(
            [
                "resources:",
                "  hello:",
                "    component: fc3",
                "    props:",
                "      functionName: hello",
                "      environmentVariables: { X: *a7 }",
            ]
            .map(str::to_owned),
        );
        lines.join("\n") + "\n"
    }

    #[test]
    fn aliases_are_refused_before_they_expand() {
        let text = billion_laughs();
        assert_eq!(text.len(), 589);
        let dir = std::env::temp_dir().join(format!("fc-local-laughs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("s.yaml");
        std::fs::write(&file, &text).unwrap();
        let started = std::time::Instant::now();
        let error = load(Some(&file)).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            error,
            format!(
                "{}: line 5: YAML aliases (`*name`) are refused: fc-local does not expand them \
                 (nested ones can take gigabytes); write the value out instead",
                file.display()
            )
        );
        // One alias is refused too; anchors alone are fine.
        let one = "resources:\n  a: &x {component: fc3}\n  b: *x\n";
        assert!(
            parse(one, Path::new("s.yaml"))
                .unwrap_err()
                .starts_with("line 3: ")
        );
        let anchor =
            "resources:\n  hello: &x\n    component: fc3\n    props:\n      functionName: hello\n";
        assert!(parse(anchor, Path::new("s.yaml")).is_ok());
    }
}
