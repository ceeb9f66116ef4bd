//! `fc-local deploy`: the s.yaml's fc3 resource onto FC, as `s deploy` would make
//! it. GetFunction, then CreateFunction (404 FunctionNotFound) or UpdateFunction,
//! the code inline as `code.zipFile`; then each trigger, created or updated.
//!
//! The body carries every prop that FC's `CreateFunctionInput` /
//! `UpdateFunctionInput` (2023-03-30 SDK models) takes, with its name as it is in
//! both. What `s deploy` makes as side resources (`logConfig: auto`, `role: auto`,
//! `vpcConfig: auto`, `nasConfig: auto`) is not invented: left as it is on the
//! function, said in one line each.

use std::path::Path;

use base64::Engine;
use http::Method;
use serde_json::{Map, Value, json};
use yaml_rust2::Yaml;

use super::Resource;
use super::api::{Call, Failure};
use crate::args::{DeployArgs, PackageArgs};
use crate::error::Error;
use crate::ui::{Style, Ui};

/// FC takes a zip inline up to this size; larger goes through OSS.
pub(crate) const INLINE_LIMIT: u64 = 100 * 1024 * 1024;

/// `CreateFunctionInput`'s fields (alibabacloud-fc20230330 4.8.3), `code` aside.
const CREATE_FIELDS: &[&str] = &[
    "cpu",
    "customContainerConfig",
    "customDNS",
    "customRuntimeConfig",
    "description",
    "disableInjectCredentials",
    "disableOndemand",
    "diskSize",
    "enableLongLiving",
    "environmentVariables",
    "functionName",
    "gpuConfig",
    "handler",
    "idleTimeout",
    "instanceConcurrency",
    "instanceIsolationMode",
    "instanceLifecycleConfig",
    "internetAccess",
    "juiceFsConfig",
    "layers",
    "logConfig",
    "memorySize",
    "microSandboxConfig",
    "nasConfig",
    "ossMountConfig",
    "polarFsConfig",
    "resourceGroupId",
    "role",
    "runtime",
    "sessionAffinity",
    "sessionAffinityConfig",
    "tags",
    "timeout",
    "tracingConfig",
    "vpcConfig",
];
/// What `CreateFunctionInput` has and `UpdateFunctionInput` lacks.
const CREATE_ONLY: &[&str] = &["functionName", "resourceGroupId", "tags"];
/// Props that are s.yaml's own, not the function's fields.
const S_ONLY: &[&str] = &["region", "code", "triggers"];
/// Side resources `s deploy` creates when the value is `auto`.
const AUTO: &[&str] = &["logConfig", "role", "vpcConfig", "nasConfig"];
/// `CreateTriggerInput`'s fields; `UpdateTriggerInput` lacks the last three.
const TRIGGER_FIELDS: &[&str] = &[
    "description",
    "invocationRole",
    "qualifier",
    "triggerConfig",
    "triggerName",
    "triggerType",
    "sourceArn",
];
const TRIGGER_CREATE_ONLY: &[&str] = &["triggerName", "triggerType", "sourceArn"];

/// Create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Create,
    Update,
}

/// The function's body without its code, and the notes on what was left out.
pub(crate) fn function_input(
    resource: &Resource,
    op: Op,
) -> Result<(Map<String, Value>, Vec<String>), String> {
    let Some(props) = resource.props.as_hash() else {
        return Err(format!("{}: no props", resource.describe()));
    };
    let mut body = Map::new();
    let mut notes = Vec::new();
    for (key, value) in props {
        let Some(key) = key.as_str() else { continue };
        if S_ONLY.contains(&key) {
            continue;
        }
        if !CREATE_FIELDS.contains(&key) {
            notes.push(format!(
                "`{key}` is not a field of FC's CreateFunctionInput: not sent (s deploy may \
                 handle it through another API)"
            ));
            continue;
        }
        if AUTO.contains(&key) && value.as_str() == Some("auto") {
            notes.push(format!(
                "`{key}: auto` is a resource s deploy creates: left as it is on the function"
            ));
            continue;
        }
        if op == Op::Update && CREATE_ONLY.contains(&key) {
            if key != "functionName" {
                notes.push(format!(
                    "`{key}` is set when a function is created (UpdateFunctionInput has no \
                     `{key}`): not changed"
                ));
            }
            continue;
        }
        let value = to_json(value, key)?;
        let value = if key == "environmentVariables" {
            strings(value, key)?
        } else {
            value
        };
        body.insert(key.to_owned(), value);
    }
    if op == Op::Create && !body.contains_key("runtime") {
        return Err(format!(
            "{}: no runtime (e.g. custom.debian12)",
            resource.describe()
        ));
    }
    // FC asks for a handler even where a runtime takes none.
    if op == Op::Create && !body.contains_key("handler") {
        body.insert("handler".to_owned(), json!("index.handler"));
    }
    Ok((body, notes))
}

/// The s.yaml's triggers, each as `CreateTriggerInput` or `UpdateTriggerInput`,
/// `triggerConfig` as a JSON string, as FC 3.0 takes it.
pub(crate) fn trigger_inputs(
    resource: &Resource,
    op: Op,
) -> Result<Vec<(String, String, Value)>, String> {
    let triggers = match &resource.props["triggers"] {
        Yaml::BadValue | Yaml::Null => return Ok(Vec::new()),
        Yaml::Array(triggers) => triggers,
        _ => return Err(format!("{}: `triggers` is not a list", resource.describe())),
    };
    let mut out = Vec::new();
    for trigger in triggers {
        let name = trigger["triggerName"]
            .as_str()
            .ok_or_else(|| format!("{}: a trigger without triggerName", resource.describe()))?;
        let kind = trigger["triggerType"]
            .as_str()
            .ok_or_else(|| format!("{}: trigger {name} has no triggerType", resource.describe()))?;
        let mut body = Map::new();
        for (key, value) in trigger.as_hash().into_iter().flatten() {
            let Some(key) = key.as_str() else { continue };
            if !TRIGGER_FIELDS.contains(&key) {
                return Err(format!(
                    "{}: trigger {name}: `{key}` is not a field of FC's CreateTriggerInput",
                    resource.describe()
                ));
            }
            if op == Op::Update && TRIGGER_CREATE_ONLY.contains(&key) {
                continue;
            }
            let value = to_json(value, key)?;
            let value = if key == "triggerConfig" && !value.is_string() {
                Value::String(value.to_string())
            } else {
                value
            };
            body.insert(key.to_owned(), value);
        }
        out.push((name.to_owned(), kind.to_owned(), Value::Object(body)));
    }
    Ok(out)
}

/// A YAML value as JSON; a value Serverless Devs would fill in is refused.
fn to_json(value: &Yaml, key: &str) -> Result<Value, String> {
    Ok(match value {
        Yaml::String(s) if s.contains("${") => {
            return Err(format!(
                "`{key}`: `{s}` needs Serverless Devs to fill it in; write the value itself \
                 (or use `s deploy`)"
            ));
        }
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(n) => json!(n),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{key}`: `{r}` is not a number"))?,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| to_json(v, key))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let k = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(n) => n.to_string(),
                    _ => return Err(format!("`{key}` has a key that is not text")),
                };
                out.insert(k.clone(), to_json(v, &k)?);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) => return Err(format!("`{key}`: YAML aliases are not read")),
    })
}

/// environmentVariables: a map of strings (numbers and booleans written as text).
fn strings(value: Value, key: &str) -> Result<Value, String> {
    let Value::Object(map) = value else {
        return Err(format!("`{key}` is not a map"));
    };
    Ok(Value::Object(
        map.into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, Value::String(text))
            })
            .collect(),
    ))
}

/// Whether the runtime runs a code package (not a container image).
fn takes_code(body: &Map<String, Value>, resource: &Resource) -> bool {
    let runtime = body
        .get("runtime")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| resource.props["runtime"].as_str().map(str::to_owned));
    runtime.as_deref() != Some("custom-container")
}

/// The zip's executable FC starts: `customRuntimeConfig.command`'s first word when
/// it is under /code, else `bootstrap`.
fn entry(body: &Map<String, Value>) -> String {
    body.get("customRuntimeConfig")
        .and_then(|c| c.get("command"))
        .and_then(|c| c.get(0))
        .and_then(Value::as_str)
        .and_then(|c| c.strip_prefix("/code/"))
        .unwrap_or("bootstrap")
        .to_owned()
}

/// Checks the zip: not over FC's inline limit, and holding `entry` executable.
pub(crate) fn check_zip(
    path: &Path,
    bytes: &[u8],
    entry: &str,
    custom: bool,
) -> Result<(), String> {
    if bytes.len() as u64 > INLINE_LIMIT {
        return Err(format!(
            "{} is {:.1} MB: FC takes a zip inline up to 100 MB; upload a larger one to OSS and \
             deploy it with `s deploy` (code.ossBucketName / ossObjectName)",
            path.display(),
            bytes.len() as f64 / 1_000_000.0
        ));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{} is not a zip: {e}", path.display()))?;
    if !custom {
        return Ok(());
    }
    let file = archive.by_name(entry).map_err(|_| {
        format!(
            "{} holds no `{entry}`: FC's custom runtime starts /code/{entry} (fc-local package \
             writes it)",
            path.display()
        )
    })?;
    let mode = file.unix_mode().unwrap_or(0);
    if mode & 0o111 == 0 {
        return Err(format!(
            "{}: `{entry}` is not executable (mode {mode:o}); FC cannot start it (fc-local \
             package writes it with mode 0755)",
            path.display()
        ));
    }
    Ok(())
}

pub(crate) async fn run(args: DeployArgs, ui: &Ui) -> Result<(), Error> {
    deploy(&args, ui).await.map_err(|stop| match stop {
        Stop::Refused(e) => Error::fatal(format!("fc-local deploy: {e}")),
        Stop::Failed(e) => Error::failed(format!("fc-local deploy: {e}")),
        Stop::Package(error) => error,
    })
}

/// Why a deploy stopped.
enum Stop {
    /// Refused before sending anything (fatal).
    Refused(String),
    /// FC refused or failed (failed).
    Failed(String),
    /// `fc-local package`'s own error.
    Package(Error),
}

impl From<String> for Stop {
    fn from(e: String) -> Stop {
        Stop::Refused(e)
    }
}

fn platform(what: &str, e: &Failure) -> Stop {
    Stop::Failed(format!("{what}: {e}"))
}

async fn deploy(args: &DeployArgs, ui: &Ui) -> Result<(), Stop> {
    let resource = Resource::load(args.config.as_deref(), args.access.resource.as_deref())?;
    let name = resource.function_name(None)?;
    let (create, notes) = function_input(&resource, Op::Create)?;
    let (update, _) = function_input(&resource, Op::Update)?;
    let create_triggers = trigger_inputs(&resource, Op::Create)?;
    let update_triggers = trigger_inputs(&resource, Op::Update)?;
    let custom = create
        .get("runtime")
        .and_then(Value::as_str)
        .is_some_and(|r| r.starts_with("custom") && r != "custom-container");

    // Credentials and region before the (maybe long) build.
    let connected = if args.dry_run {
        None
    } else {
        Some(super::connect(
            &args.access,
            args.region.as_deref(),
            &resource,
        )?)
    };
    let region = match &connected {
        Some((_, region)) => region.clone(),
        None => super::region_of(args.region.as_deref(), &resource, None)
            .unwrap_or_else(|_| "<region>".to_owned()),
    };

    let code = if takes_code(&create, &resource) {
        let zip = match &args.zip {
            Some(zip) => zip.clone(),
            None => {
                let bin = args.bin.clone().unwrap_or_else(|| name.clone());
                let package = PackageArgs::for_bin(bin, args.target.clone(), args.package.clone());
                crate::package::make(&package, ui).map_err(Stop::Package)?
            }
        };
        let bytes =
            std::fs::read(&zip).map_err(|e| format!("cannot read {}: {e}", zip.display()))?;
        check_zip(&zip, &bytes, &entry(&create), custom)?;
        Some((zip, bytes))
    } else {
        if args.zip.is_some() {
            return Err(Stop::Refused(
                "--zip: a custom-container function runs its image (customContainerConfig.image), \
                 not a zip"
                    .to_owned(),
            ));
        }
        None
    };

    for note in &notes {
        ui.say(&ui.paint(Style::Dim, &format!("fc-local deploy: {note}")));
    }
    let with_code = |mut body: Map<String, Value>, inline: String| {
        if code.is_some() {
            body.insert("code".to_owned(), json!({ "zipFile": inline }));
        }
        Value::Object(body)
    };
    let get = Call::new("GetFunction", Method::GET, &["functions", &name]);

    let Some((client, _)) = connected else {
        // --dry-run: what would be sent, without the zip's bytes or any secret.
        let shown_zip = code.as_ref().map_or(String::new(), |(zip, bytes)| {
            format!("<base64 of {}, {} bytes>", zip.display(), bytes.len())
        });
        let endpoint = match &args.access.endpoint {
            Some(url) => super::api::Endpoint::parse(url)?,
            None => super::api::Endpoint::for_region(&region).unwrap_or(super::api::Endpoint {
                https: true,
                host: format!("fcv3.{region}.aliyuncs.com"),
                port: 443,
                authority: format!("fcv3.{region}.aliyuncs.com"),
            }),
        };
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
        ui.out(&get.describe(&endpoint, None));
        ui.out("then, when it answers 404 FunctionNotFound:");
        let body = with_code(create, shown_zip.clone());
        ui.out(
            &Call::new("CreateFunction", Method::POST, &["functions"])
                .describe(&endpoint, Some(&pretty(&body))),
        );
        ui.out("else:");
        let body = with_code(update, shown_zip);
        ui.out(
            &Call::new("UpdateFunction", Method::PUT, &["functions", &name])
                .describe(&endpoint, Some(&pretty(&body))),
        );
        for ((trigger, _, create), (_, _, update)) in create_triggers.iter().zip(&update_triggers) {
            ui.out(
                &Call::new(
                    "CreateTrigger",
                    Method::POST,
                    &["functions", &name, "triggers"],
                )
                .describe(&endpoint, Some(&pretty(create))),
            );
            ui.out("or, when the trigger exists:");
            ui.out(
                &Call::new(
                    "UpdateTrigger",
                    Method::PUT,
                    &["functions", &name, "triggers", trigger],
                )
                .describe(&endpoint, Some(&pretty(update))),
            );
        }
        ui.say(&ui.paint(Style::Dim, "fc-local deploy: --dry-run: nothing sent"));
        return Ok(());
    };

    ui.say(&ui.paint(
        Style::Dim,
        &format!(
            "fc-local deploy: {} · AccessKey from {}",
            client.endpoint.url(),
            client.credentials_source()
        ),
    ));
    let started = std::time::Instant::now();
    let inline = code
        .as_ref()
        .map(|(_, bytes)| base64::engine::general_purpose::STANDARD.encode(bytes))
        .unwrap_or_default();
    let exists = match client.send(&get).await {
        Ok(_) => true,
        Err(e) if e.code() == Some("FunctionNotFound") => false,
        Err(e) => return Err(platform("GetFunction", &e)),
    };
    let (op, answer) = if exists {
        let call = Call::new("UpdateFunction", Method::PUT, &["functions", &name])
            .json(&with_code(update, inline));
        (
            Op::Update,
            client
                .send(&call)
                .await
                .map_err(|e| platform("UpdateFunction", &e))?,
        )
    } else {
        let call = Call::new("CreateFunction", Method::POST, &["functions"])
            .json(&with_code(create, inline));
        (
            Op::Create,
            client
                .send(&call)
                .await
                .map_err(|e| platform("CreateFunction", &e))?,
        )
    };
    let function = answer.json();
    let size = function
        .get("codeSize")
        .and_then(Value::as_u64)
        .or(code.as_ref().map(|(_, b)| b.len() as u64));
    ui.say(&ui.paint(
        Style::Green,
        &format!(
            "fc-local deploy: {} function {name} in {region}{} · {}",
            if op == Op::Create {
                "created"
            } else {
                "updated"
            },
            size.map_or(String::new(), |s| format!(
                " · code {:.1} MB",
                s as f64 / 1_000_000.0
            )),
            crate::ui::duration(started.elapsed())
        ),
    ));
    if let Some(arn) = function.get("functionArn").and_then(Value::as_str) {
        ui.out(&format!("functionArn: {arn}"));
    }

    for ((trigger, kind, create), (_, _, update)) in create_triggers.iter().zip(&update_triggers) {
        let trigger_exists = if op == Op::Create {
            false
        } else {
            let get = Call::new(
                "GetTrigger",
                Method::GET,
                &["functions", &name, "triggers", trigger],
            );
            match client.send(&get).await {
                Ok(_) => true,
                Err(e) if e.code() == Some("TriggerNotFound") => false,
                Err(e) => return Err(platform(&format!("GetTrigger {trigger}"), &e)),
            }
        };
        let answer = if trigger_exists {
            let call = Call::new(
                "UpdateTrigger",
                Method::PUT,
                &["functions", &name, "triggers", trigger],
            )
            .json(update);
            client
                .send(&call)
                .await
                .map_err(|e| platform(&format!("UpdateTrigger {trigger}"), &e))?
        } else {
            let call = Call::new(
                "CreateTrigger",
                Method::POST,
                &["functions", &name, "triggers"],
            )
            .json(create);
            client
                .send(&call)
                .await
                .map_err(|e| platform(&format!("CreateTrigger {trigger}"), &e))?
        };
        ui.say(&format!(
            "fc-local deploy: {} trigger {trigger} ({kind})",
            if trigger_exists { "updated" } else { "created" }
        ));
        let answer = answer.json();
        for key in ["urlInternet", "urlIntranet"] {
            if let Some(url) = answer
                .get("httpTrigger")
                .and_then(|h| h.get(key))
                .and_then(Value::as_str)
            {
                ui.out(&format!("{trigger} {key}: {url}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(text: &str) -> Resource {
        Resource::parse(text, Path::new("s.yaml"), None).expect("parses")
    }

    const S_YAML: &str = r#"
resources:
  hello:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: hello
      description: a function
      runtime: custom.debian12
      code: ./target/fc/code.zip
      customRuntimeConfig:
        command: [/code/bootstrap]
        port: 9000
        healthCheckConfig: { httpGetUrl: /healthz, timeoutSeconds: 3 }
      memorySize: 512
      cpu: 0.35
      diskSize: 512
      timeout: 60
      instanceConcurrency: 20
      instanceLifecycleConfig:
        initializer: { handler: "true", timeout: 30 }
      environmentVariables: { RUST_LOG: info, RETRIES: 3 }
      logConfig: auto
      role: auto
      tags: [{ key: team, value: rust }]
      provisionConfig: { target: 1 }
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig: { authType: anonymous, methods: [GET, POST] }
"#;

    #[test]
    fn every_fc_field_is_carried_with_fcs_name() {
        let (body, notes) = function_input(&resource(S_YAML), Op::Create).expect("maps");
        assert_eq!(
            Value::Object(body),
            json!({
                "functionName": "hello",
                "description": "a function",
                "runtime": "custom.debian12",
                "customRuntimeConfig": {
                    "command": ["/code/bootstrap"], "port": 9000,
                    "healthCheckConfig": { "httpGetUrl": "/healthz", "timeoutSeconds": 3 }
                },
                "memorySize": 512, "cpu": 0.35, "diskSize": 512, "timeout": 60,
                "instanceConcurrency": 20,
                "instanceLifecycleConfig": { "initializer": { "handler": "true", "timeout": 30 } },
                "environmentVariables": { "RUST_LOG": "info", "RETRIES": "3" },
                "tags": [{ "key": "team", "value": "rust" }],
                "handler": "index.handler",
            })
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes.iter().any(|n| n.contains("`logConfig: auto`")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("`role: auto`")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.contains("`provisionConfig`")),
            "{notes:?}"
        );
    }

    #[test]
    fn update_leaves_out_what_only_create_takes() {
        let (body, notes) = function_input(&resource(S_YAML), Op::Update).expect("maps");
        for key in CREATE_ONLY {
            assert!(!body.contains_key(*key), "{key}");
        }
        assert!(
            !body.contains_key("handler"),
            "no handler invented on update"
        );
        assert!(notes.iter().any(|n| n.contains("`tags`")), "{notes:?}");
    }

    #[test]
    fn the_trigger_config_is_a_json_string() {
        let triggers = trigger_inputs(&resource(S_YAML), Op::Create).expect("maps");
        assert_eq!(triggers.len(), 1);
        let (name, kind, body) = &triggers[0];
        assert_eq!((name.as_str(), kind.as_str()), ("http", "http"));
        let config = body["triggerConfig"].as_str().expect("a string");
        let parsed: Value = serde_json::from_str(config).expect("JSON");
        assert_eq!(
            parsed,
            json!({ "authType": "anonymous", "methods": ["GET", "POST"] })
        );
        let update = trigger_inputs(&resource(S_YAML), Op::Update).expect("maps");
        assert_eq!(update[0].2, json!({ "triggerConfig": config }));
    }

    #[test]
    fn values_for_serverless_devs_to_fill_in_are_refused() {
        let text = S_YAML.replace("description: a function", "description: ${vars.d}");
        let e = function_input(&resource(&text), Op::Create).unwrap_err();
        assert!(e.contains("${vars.d}"), "{e}");
    }

    /// `fc-local new`'s s.yaml deploys as it is: every field an FC one, the trigger's
    /// config a JSON string, only logConfig: auto left to s.
    #[test]
    fn the_new_templates_s_yaml_deploys_as_it_is() {
        for (health, triggers) in [
            ("", ""),
            (
                include_str!("../new/templates/s.health.yaml"),
                include_str!("../new/templates/s.http-trigger.yaml"),
            ),
        ] {
            let text = include_str!("../new/templates/s.code.yaml.tmpl")
                .replace("{{name}}", "my-fn")
                .replace("{{description}}", "An FC function")
                .replace("{{health_check}}", health)
                .replace("{{triggers}}", triggers);
            let resource = resource(&text);
            let (body, notes) = function_input(&resource, Op::Create).expect("maps");
            assert_eq!(body["functionName"], "my-fn");
            assert_eq!(body["runtime"], "custom.debian12");
            assert_eq!(
                notes,
                ["`logConfig: auto` is a resource s deploy creates: left as it is on the function"]
            );
            assert_eq!(entry(&body), "bootstrap");
            let triggers = trigger_inputs(&resource, Op::Create).expect("maps");
            assert!(
                triggers
                    .iter()
                    .all(|(_, _, t)| t["triggerConfig"].is_string())
            );
        }
    }

    fn zip_with(name: &str, mode: u32) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        zip.start_file(name, options).expect("starts");
        zip.write_all(b"\x7fELF").expect("writes");
        zip.finish().expect("finishes");
        out.into_inner()
    }

    #[test]
    fn zips_need_an_executable_bootstrap() {
        let p = Path::new("code.zip");
        assert!(check_zip(p, &zip_with("bootstrap", 0o755), "bootstrap", true).is_ok());
        let e = check_zip(p, &zip_with("bootstrap", 0o644), "bootstrap", true).unwrap_err();
        assert!(e.contains("not executable"), "{e}");
        let e = check_zip(p, &zip_with("main", 0o755), "bootstrap", true).unwrap_err();
        assert!(e.contains("no `bootstrap`"), "{e}");
        let e = check_zip(p, b"not a zip", "bootstrap", true).unwrap_err();
        assert!(e.contains("not a zip"), "{e}");
    }
}
