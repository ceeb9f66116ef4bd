//! Real trigger payloads, as FC delivers them to `POST /invoke`: `fc-local examples`
//! lists them, `invoke --example` and `check --example` send one. Each file in
//! `payloads/` is built into fc-local (it publishes on its own), in its exact wire
//! form: Tablestore's is CBOR, the rest JSON. The data comes from Alibaba Cloud's
//! documentation and sample repositories; masked digits (`****`) are as published.

/// One trigger's payload.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Payload {
    /// The trigger, in kebab-case: what `--example` takes.
    pub(crate) trigger: &'static str,
    /// The body's media type (FC itself sends every event as
    /// `application/octet-stream`).
    pub(crate) content_type: &'static str,
    /// What it is, in one line.
    pub(crate) about: &'static str,
    /// The bytes FC sends.
    pub(crate) bytes: &'static [u8],
}

/// `payload!("oss", json, "…")`: `payloads/oss.json`, embedded.
macro_rules! payload {
    ($trigger:literal, json, $about:literal) => {
        payload!(@ $trigger, "json", "application/json", $about)
    };
    ($trigger:literal, cbor, $about:literal) => {
        payload!(@ $trigger, "cbor", "application/cbor", $about)
    };
    (@ $trigger:literal, $ext:literal, $content_type:literal, $about:literal) => {
        Payload {
            trigger: $trigger,
            content_type: $content_type,
            about: $about,
            bytes: include_bytes!(concat!("../payloads/", $trigger, ".", $ext)),
        }
    };
}

/// Every payload, one line each: adding a trigger is a file in `payloads/` named after
/// it and a line here.
pub(crate) const PAYLOADS: &[Payload] = &[
    payload!(
        "oss",
        json,
        "OSS: an object was created (ObjectCreated:PutObject)"
    ),
    payload!(
        "timer",
        json,
        "Timer: a time trigger fired, with its configured payload"
    ),
    payload!(
        "sls",
        json,
        "SLS (Log Service): a batch of a logstore shard to process"
    ),
    payload!(
        "mns-topic",
        json,
        "MNS topic, JSON format: a message with its attributes"
    ),
    payload!(
        "mns-topic-stream",
        json,
        "MNS topic, STREAM format with attributes (body and attrs)"
    ),
    payload!(
        "mns-queue",
        json,
        "MNS queue through EventBridge: a CloudEvents envelope"
    ),
    payload!(
        "rocketmq",
        json,
        "RocketMQ through EventBridge: a CloudEvents envelope"
    ),
    payload!(
        "kafka",
        json,
        "Kafka through EventBridge: a batch of JSON-encoded CloudEvents"
    ),
    payload!(
        "rabbitmq",
        json,
        "RabbitMQ through EventBridge: a batch of CloudEvents"
    ),
    payload!(
        "mqtt",
        json,
        "MQTT through EventBridge: an array of messages, as FC documents it"
    ),
    payload!(
        "dts",
        json,
        "DTS change tracking through EventBridge: an UPDATE, rows before and after"
    ),
    payload!(
        "datahub",
        json,
        "DataHub's Function Compute connector: two records of a topic"
    ),
    payload!("cdn", json, "CDN: cached objects were refreshed"),
    payload!(
        "tablestore",
        cbor,
        "Tablestore stream: changed rows, CBOR-encoded as FC sends them"
    ),
    payload!(
        "http-trigger",
        json,
        "FC 3.0 HTTP trigger event, as built-in runtimes receive it"
    ),
    payload!(
        "async-destination",
        json,
        "Async invocation destination record (a failed invocation)"
    ),
];

/// The payload for `trigger`.
pub(crate) fn find(trigger: &str) -> Option<&'static Payload> {
    PAYLOADS.iter().find(|p| p.trigger == trigger)
}

/// The payload for `--example`, or a message listing the triggers there are.
pub(crate) fn example(trigger: &str) -> Result<&'static Payload, String> {
    find(trigger).ok_or_else(|| {
        let names: Vec<&str> = PAYLOADS.iter().map(|p| p.trigger).collect();
        format!(
            "no example payload for `{trigger}`; there are: {} (fc-local examples)",
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_unique_kebab_case_and_payloads_parse() {
        for (i, payload) in PAYLOADS.iter().enumerate() {
            assert!(
                payload
                    .trigger
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                payload.trigger
            );
            assert!(
                PAYLOADS[..i].iter().all(|p| p.trigger != payload.trigger),
                "{} twice",
                payload.trigger
            );
            match payload.content_type {
                "application/json" => {
                    let parsed = serde_json::from_slice::<serde_json::Value>(payload.bytes);
                    assert!(parsed.is_ok(), "{}: {parsed:?}", payload.trigger);
                }
                // CBOR: a map (major type 5) at the top, and not text.
                "application/cbor" => {
                    assert_eq!(payload.bytes[0] >> 5, 5, "{}", payload.trigger);
                    assert!(std::str::from_utf8(payload.bytes).is_err());
                }
                other => panic!("{}: content type {other}", payload.trigger),
            }
        }
        // Every file in payloads/ is listed, once.
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/payloads"))
            .map(|dir| dir.count())
            .unwrap_or(0);
        assert_eq!(PAYLOADS.len(), files);
        assert!(example("tablestore").is_ok());
        assert!(example("nope").is_err_and(|e| e.contains("oss, timer")));
    }
}
