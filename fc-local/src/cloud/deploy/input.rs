//! The s.yaml's fc3 resource as FC's input models: the function's
//! `CreateFunctionInput` / `UpdateFunctionInput` body (every prop the SDK models
//! take, named as they are in both) and each trigger's `CreateTriggerInput` /
//! `UpdateTriggerInput`. What a model does not take is left out with a note.

use serde_json::{Map, Value, json};
use yaml_rust2::Yaml;

use crate::cloud::Resource;

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
pub(super) enum Op {
    Create,
    Update,
}

/// The function's body without its code, and the notes on what was left out.
pub(super) fn function_input(
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
pub(super) fn trigger_inputs(
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

#[cfg(test)]
mod tests {
    use std::path::Path;

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
                include_str!("../../new/templates/s.health.yaml"),
                include_str!("../../new/templates/s.http-trigger.yaml"),
            ),
        ] {
            let text = include_str!("../../new/templates/s.code.yaml.tmpl")
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
            assert_eq!(super::super::code::entry(&body), "bootstrap");
            let triggers = trigger_inputs(&resource, Op::Create).expect("maps");
            assert!(
                triggers
                    .iter()
                    .all(|(_, _, t)| t["triggerConfig"].is_string())
            );
        }
    }
}
