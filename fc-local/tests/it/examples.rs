//! Real trigger payloads: `fc-local examples` lists them, and `invoke --example` and
//! `check --example` send each in its exact wire form.

use crate::common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{fc_local, python_fixture, run};

const LIMIT: Duration = Duration::from_secs(60);

/// `(trigger, content type)` for every line of `fc-local examples`.
fn listed() -> Vec<(String, String)> {
    let listing = run(fc_local().args(["examples", "--color", "never"]), LIMIT);
    assert_eq!(listing.code, Some(0), "{listing}");
    listing
        .stdout
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            let trigger = words.next().expect("a trigger").to_owned();
            let content_type = words.next().expect("a content type").to_owned();
            (trigger, content_type)
        })
        .collect()
}

/// The payload of `trigger` in the trigger table (fc-rs-triggers), which fc-local
/// embeds: as listed with `content_type`, and its file's bytes.
fn payload_file(trigger: &str, content_type: &str) -> Vec<u8> {
    let payload = fc_triggers::payloads::find(trigger)
        .unwrap_or_else(|| panic!("`{trigger}` is listed but not in the trigger table"));
    assert_eq!(payload.format().content_type(), content_type, "{trigger}");
    let ext = match content_type {
        "application/json" => "json",
        "application/cbor" => "cbor",
        other => panic!("{trigger}: {other}"),
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fc-triggers/payloads")
        .join(format!("{trigger}.{ext}"));
    let file = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        file == payload.bytes(),
        "{trigger}: the file and the table differ"
    );
    file
}

#[test]
fn every_trigger_is_listed_with_what_it_is() {
    let listing = run(fc_local().args(["examples"]), LIMIT);
    let triggers: Vec<String> = listed().into_iter().map(|(t, _)| t).collect();
    // Every payload of the trigger table, in its order, and nothing else.
    let table: Vec<&str> = fc_triggers::payloads::ALL
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(triggers, table, "{listing}");
    for trigger in ["oss", "kafka", "rabbitmq", "mqtt", "dts", "datahub"] {
        assert!(
            triggers.iter().any(|t| t == trigger),
            "{trigger}: {listing}"
        );
    }
    let tablestore = listing
        .stdout
        .lines()
        .find(|l| l.starts_with("tablestore "))
        .unwrap();
    assert!(
        tablestore.contains("application/cbor") && tablestore.contains("Tablestore"),
        "{listing}"
    );
    let unknown = run(
        fc_local().args(["invoke", "--example", "nope", "--", "true"]),
        LIMIT,
    );
    assert_eq!(unknown.code, Some(2), "{unknown}");
    assert!(
        unknown.stderr.contains("there are: timer, oss, sls"),
        "{unknown}"
    );
}

#[test]
fn invoke_example_sends_every_payload_byte_for_byte() {
    let Some(echo) = python_fixture("echo_event.py") else {
        return;
    };
    let listed = listed();
    assert_eq!(listed.len(), fc_triggers::payloads::ALL.len(), "{listed:?}");
    for (trigger, content_type) in listed {
        let expected = payload_file(&trigger, &content_type);
        // `examples <trigger>` writes the same bytes.
        let shown = fc_local()
            .args(["examples", &trigger])
            .stderr(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(shown.stdout, expected, "{trigger}: examples <trigger>");
        // The function gets them, as application/octet-stream, and echoes them.
        let invoked = fc_local()
            .args(["invoke", "--example", &trigger, "--", "python3"])
            .arg(&echo)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&invoked.stderr);
        assert_eq!(invoked.status.code(), Some(0), "{trigger}: {stderr}");
        assert_eq!(invoked.stdout, expected, "{trigger}: {stderr}");
        assert!(
            stderr.contains(&format!(
                " {} bytes as application/octet-stream",
                expected.len()
            )),
            "{trigger}: {stderr}"
        );
    }
}

#[test]
fn check_example_uses_the_payload_as_its_event() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let run = run(
        fc_local()
            .args([
                "check",
                "--idle",
                "0.1",
                "--example",
                "oss",
                "--",
                "python3",
            ])
            .arg(&conformant),
        Duration::from_secs(90),
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.check_line("invoke").starts_with("pass"), "{run}");
}
