//! `fc-local deploy`: the s.yaml's fc3 resource onto FC, as `s deploy` would make
//! it. GetFunction, then CreateFunction (404 FunctionNotFound) or UpdateFunction,
//! the code inline as `code.zipFile`; then each trigger, created or updated.
//!
//! The body carries every prop that FC's `CreateFunctionInput` /
//! `UpdateFunctionInput` (2023-03-30 SDK models) takes, with its name as it is in
//! both. What `s deploy` makes as side resources (`logConfig: auto`, `role: auto`,
//! `vpcConfig: auto`, `nasConfig: auto`) is not invented: left as it is on the
//! function, said in one line each.
//!
//! [`input`] maps the s.yaml onto FC's input models, [`code`] checks the code zip;
//! this module runs the calls, or prints them with `--dry-run`.

mod code;
mod input;

use base64::Engine;
use http::Method;
use serde_json::{Map, Value, json};

use super::Resource;
use super::api::{Call, Failure};
use crate::args::{DeployArgs, PackageArgs};
use crate::error::Error;
use crate::ui::{Style, Ui};
use code::{check_zip, entry, takes_code};
use input::{Op, function_input, trigger_inputs};

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
