//! `fc-local invoke --remote`: InvokeFunction on FC, synchronously, with the
//! invocation's log tail (`x-fc-log-type: Tail`), shown grouped as a local
//! `invoke` shows an invocation.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use http::Method;

use super::Resource;
use super::api::{Call, Failure};
use crate::args::AccessArgs;
use crate::error::{self, Error};
use crate::group::Tracker;
use crate::logs::{Line, Logs, Stream};
use crate::marker::Kind;
use crate::ui::{self, Style, Ui};

/// What `invoke --remote` needs beyond the event.
#[derive(Debug)]
pub(crate) struct Remote<'a> {
    pub(crate) access: &'a AccessArgs,
    pub(crate) qualifier: Option<&'a str>,
    pub(crate) function_name: Option<&'a str>,
    pub(crate) region: Option<&'a str>,
    pub(crate) config: Option<&'a std::path::Path>,
}

pub(crate) async fn run(remote: Remote<'_>, event: Vec<u8>, ui: Arc<Ui>) -> Result<(), Error> {
    let fatal = |e: String| Error::fatal(format!("fc-local invoke: {e}"));
    let failed = |e: String| Error::failed(format!("fc-local invoke: {e}"));
    let resource = match (remote.config, remote.function_name) {
        // A function named on the command line needs no s.yaml, but takes its
        // region from one when there is one.
        (None, Some(_))
            if !std::path::Path::new("s.yaml").is_file()
                && !std::path::Path::new("s.yml").is_file() =>
        {
            Resource {
                file: "(none)".into(),
                name: "(none)".into(),
                props: yaml_rust2::Yaml::Null,
            }
        }
        _ => Resource::load(remote.config, remote.access.resource.as_deref()).map_err(fatal)?,
    };
    let name = resource
        .function_name(remote.function_name)
        .map_err(fatal)?;
    let (client, _) = super::connect(remote.access, remote.region, &resource).map_err(fatal)?;
    let mut call = Call::new(
        "InvokeFunction",
        Method::POST,
        &["functions", &name, "invocations"],
    );
    if let Some(qualifier) = remote.qualifier {
        call.query
            .push(("qualifier".to_owned(), qualifier.to_owned()));
    }
    call.headers = vec![
        ("x-fc-invocation-type".to_owned(), "Sync".to_owned()),
        ("x-fc-log-type".to_owned(), "Tail".to_owned()),
    ];
    call.body = Some(("application/octet-stream", event.into()));

    let started = Instant::now();
    let answer = client.send_once(&call).await.map_err(failed)?;
    let elapsed = started.elapsed();
    let error_type = answer.header("x-fc-error-type").map(str::to_owned);
    if !answer.status.is_success() && error_type.is_none() {
        // The platform refused the call itself (signature, permissions, no function).
        return Err(failed(Failure::from_answer_pub(&answer).to_string()));
    }
    let request_id = answer
        .header("x-fc-request-id")
        .unwrap_or("(no x-fc-request-id)")
        .to_owned();
    let log = answer
        .header("x-fc-log-result")
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());

    let logs = Logs::new();
    let tracker = Tracker::follow(&logs, Arc::clone(&ui));
    if log.is_some() {
        tracker.open(&request_id, Kind::Invoke);
    }
    for text in log.as_deref().unwrap_or_default().lines() {
        logs.push(Line {
            stream: Stream::Stdout,
            text: text.to_owned(),
        });
    }
    let (style, verdict) = match &error_type {
        None => (Style::Green, "succeeded".to_owned()),
        Some(kind) => (Style::Red, format!("failed ({kind})")),
    };
    let heading = format!(
        "{} {} {}",
        ui.paint(Style::Bold, &format!("Invoke {request_id}")),
        ui.paint(style, &verdict),
        ui.paint(
            Style::Dim,
            &format!(
                "· {} · {} (FC, {})",
                answer.status.as_u16(),
                ui::duration(elapsed),
                client.endpoint.url()
            )
        ),
    );
    let printed = tracker.close(&request_id, heading);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), printed).await;
    if log.is_none() {
        ui.say(&ui.paint(Style::Dim, "│ (no x-fc-log-result in FC's answer)"));
    }
    crate::invoke::print_body(&answer.body);
    match error_type {
        // Its heading said so.
        Some(_) => Err(Error::quiet(error::Kind::Failed)),
        None => Ok(()),
    }
}
