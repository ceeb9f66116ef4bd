//! Function Compute's triggers as data, in one table: for each trigger, its real
//! payload (byte for byte as FC POSTs it to `/invoke`), the `fc::events` type that
//! takes it, and the function `fc-local new --event <trigger>` writes for it.
//!
//! This crate has no dependencies and no code to speak of; it exists so that `fc`
//! (as [`fc::events::payloads`](https://docs.rs/fc-rs/latest/fc/events/payloads/)) and
//! `fc-local` (`examples`, `invoke --example`, `check --example`, `new --event`) read
//! one list. Write functions against `fc::events::payloads`, not against this crate.
//!
//! - [`payloads`]: every payload, by name: [`payloads::find`], [`payloads::ALL`].
//! - [`TEMPLATES`]: every trigger's `src/main.rs` for `fc-local new`.
//!
//! A trigger lives in `payloads/<name>.json` (or `.cbor`), `templates/<name>.rs` and
//! one row of the table at the end of this file; the checklist for adding one is in
//! the docs of `fc::events`.

/// The items of `fc::events::payloads` (which re-exports this module whole).
pub mod payloads {
    use core::fmt;

    /// How a [`Payload`] is encoded.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum Format {
        /// JSON text.
        Json,
        /// CBOR (Tablestore).
        Cbor,
    }

    impl Format {
        /// The media type of the encoding.
        pub const fn content_type(self) -> &'static str {
            match self {
                Self::Json => "application/json",
                Self::Cbor => "application/cbor",
            }
        }
    }

    /// One trigger's real payload.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct Payload {
        pub(crate) name: &'static str,
        pub(crate) description: &'static str,
        pub(crate) event_type: &'static str,
        pub(crate) format: Format,
        pub(crate) bytes: &'static [u8],
    }

    impl Payload {
        /// The trigger's kebab-case name (`oss`, `mns-topic-stream`, …): the name
        /// [`find`] and `fc-local invoke --example` take.
        pub const fn name(&self) -> &'static str {
            self.name
        }

        /// What the payload is, in one line.
        pub const fn description(&self) -> &'static str {
            self.description
        }

        /// The `fc::events` type to take it as (`OssEvent`,
        /// `CloudEventBatch<KafkaData>`, `Cbor<TablestoreEvent>`, …).
        pub const fn event_type(&self) -> &'static str {
            self.event_type
        }

        /// How it is encoded.
        pub const fn format(&self) -> Format {
            self.format
        }

        /// The body, exactly as FC sends it.
        pub const fn bytes(&self) -> &'static [u8] {
            self.bytes
        }

        /// The body as text, for the JSON payloads; `None` for CBOR.
        pub const fn text(&self) -> Option<&'static str> {
            match self.format {
                Format::Json => match core::str::from_utf8(self.bytes) {
                    Ok(text) => Some(text),
                    Err(_) => None,
                },
                Format::Cbor => None,
            }
        }
    }

    impl fmt::Debug for Payload {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Payload")
                .field("name", &self.name)
                .field("event_type", &self.event_type)
                .field("format", &self.format)
                .field("len", &self.bytes.len())
                .finish()
        }
    }

    /// The payload called `name` (see [`Payload::name`]).
    pub const fn find(name: &str) -> Option<&'static Payload> {
        let mut i = 0;
        while i < ALL.len() {
            if str_eq(ALL[i].name, name) {
                return Some(&ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// `a == b`, in a `const fn`.
    const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    pub use crate::table::*;
}

/// A trigger's function: the `src/main.rs` that `fc-local new --event <name>` writes,
/// whose handler takes the trigger's typed event and whose test sends its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    name: &'static str,
    about: &'static str,
    main: &'static str,
}

impl Template {
    /// The trigger's name, as [`payloads::Payload::name`] has it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The trigger, as a new crate's README and s.yaml name it: "an OSS trigger".
    pub const fn about(&self) -> &'static str {
        self.about
    }

    /// The `src/main.rs` (file `templates/<name>.rs`).
    pub const fn main(&self) -> &'static str {
        self.main
    }
}

/// The template of the trigger called `name`.
pub fn template(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|template| template.name == name)
}

/// The table: one row per trigger, making
/// - `payloads::<ITEM>`, [`payloads::ALL`], from `payloads/<file>`;
/// - its [`Template`] in [`TEMPLATES`] (with `new`), from `templates/<name>.rs`;
/// - its row in the table of `fc::events`' docs (`trigger`, `event`, `notes`; the notes
///   are rustdoc Markdown, linking from `fc::events`).
macro_rules! triggers {
    ($(
        $item:ident {
            name: $name:literal,
            trigger: $trigger:literal,
            file: $file:literal,
            format: $format:ident,
            event: $event:literal,
            notes: $notes:literal,
            description: $description:literal,
            source: $source:literal,
            $(new: $about:literal,)?
        }
    )*) => {
        mod table {
            use crate::payloads::{Format, Payload};
            $(
                #[doc = concat!("`", $name, "`: ", $description, "\n\nTake it as `", $event, "`; the file is `fc-triggers/payloads/", $file, "`.\n\nSource: ", $source, ".")]
                pub const $item: Payload = Payload {
                    name: $name,
                    description: $description,
                    event_type: $event,
                    format: Format::$format,
                    bytes: include_bytes!(concat!("../payloads/", $file)),
                };
            )*

            /// Every payload, in the order of the table in `fc::events`.
            pub const ALL: &[Payload] = &[$($item),*];
        }

        /// Every trigger `fc-local new --event` takes, in the order of [`payloads::ALL`].
        pub const TEMPLATES: &[Template] = &[$($(
            Template {
                name: $name,
                about: $about,
                main: include_str!(concat!("../templates/", $name, ".rs")),
            },
        )?)*];

        /// The table of `fc::events`' docs, a row per trigger: `#![doc =
        /// fc_triggers::__events_doc_table!()]`.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __events_doc_table {
            () => {
                concat!(
                    "| Trigger | Payload | Event argument | Notes |\n",
                    "|---|---|---|---|\n",
                    $("| ", $trigger, " | [`", $name, "`](payloads::", stringify!($item), ") | [`", $event, "`] | ", $notes, " |\n",)*
                )
            };
        }

        /// Each template, compiled against `fc` and its tests run, as in a user's crate.
        #[cfg(test)]
        #[allow(non_snake_case, dead_code, reason = "a module per table row; `main` is not called")]
        mod template_tests {
            $($(
                #[doc = $about]
                mod $item {
                    include!(concat!("../templates/", $name, ".rs"));
                }
            )?)*
        }
    };
}

triggers! {
    TIMER {
        name: "timer",
        trigger: "Timer",
        file: "timer.json",
        format: Json,
        event: "TimerEvent",
        notes: "",
        description: "A Timer trigger firing, with its configured payload.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "a Timer trigger",
    }
    OSS {
        name: "oss",
        trigger: "OSS (native)",
        file: "oss.json",
        format: Json,
        event: "OssEvent",
        notes: "one or more records in `events`",
        description: "An OSS object created by PutObject (native OSS trigger).",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "an OSS trigger",
    }
    SLS {
        name: "sls",
        trigger: "Log Service (SLS)",
        file: "sls.json",
        format: Json,
        event: "SlsEvent",
        notes: "",
        description: "A Log Service (SLS) trigger's job: the logstore shard and cursor range to read.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "a Log Service (SLS) trigger",
    }
    MNS_TOPIC {
        name: "mns-topic",
        trigger: "MNS topic, JSON format",
        file: "mns-topic.json",
        format: Json,
        event: "MnsTopicEvent",
        notes: "message attributes land in `attributes`",
        description: "An MNS topic message, JSON event format.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "an MNS topic trigger (JSON format)",
    }
    MNS_TOPIC_STREAM {
        name: "mns-topic-stream",
        trigger: "MNS topic, STREAM format with attributes",
        file: "mns-topic-stream.json",
        format: Json,
        event: "MnsTopicStreamEvent",
        notes: "without attributes the body is the raw message: take `String`",
        description: "An MNS topic message with attributes, STREAM event format.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "an MNS topic trigger (STREAM format with attributes)",
    }
    MNS_QUEUE {
        name: "mns-queue",
        trigger: "MNS queue (EventBridge)",
        file: "mns-queue.json",
        format: Json,
        event: "MnsQueueEvent",
        notes: "or [`CloudEventBatch<MnsQueueData>`]",
        description: "An MNS queue message delivered by EventBridge: one CloudEvent.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "an MNS queue trigger",
    }
    ROCKETMQ {
        name: "rocketmq",
        trigger: "RocketMQ (EventBridge)",
        file: "rocketmq.json",
        format: Json,
        event: "RocketMqEvent",
        notes: "or [`CloudEventBatch<RocketMqData>`]: batch delivery sends an array",
        description: "A RocketMQ message delivered by EventBridge: one CloudEvent.",
        source: "aliyun/fc-runtime-go-sdk `events/README_RocketMQ.md`",
        new: "a RocketMQ trigger",
    }
    KAFKA {
        name: "kafka",
        trigger: "Kafka (EventBridge)",
        file: "kafka.json",
        format: Json,
        event: "CloudEventBatch<KafkaData>",
        notes: "an array of JSON-encoded strings, each a [`KafkaEvent`]",
        description: "A Kafka record delivered by EventBridge: an array of JSON-encoded CloudEvents.",
        source: "aliyun/fc-runtime-go-sdk `events/README_KAFKA_EVENTBRIDGE.md`",
        new: "a Kafka trigger",
    }
    RABBITMQ {
        name: "rabbitmq",
        trigger: "RabbitMQ (EventBridge)",
        file: "rabbitmq.json",
        format: Json,
        event: "CloudEventBatch<RabbitMqData>",
        notes: "or [`RabbitMqEvent`]; the body is JSON when the message is",
        description: "Two RabbitMQ messages delivered by EventBridge: an array of CloudEvents.",
        source: "Function Compute's documentation page \"触发器event格式\" (help.aliyun.com/document_detail/70140.html), section \"RabbitMQ触发器\"",
        new: "a RabbitMQ trigger",
    }
    MQTT {
        name: "mqtt",
        trigger: "MQTT (EventBridge)",
        file: "mqtt.json",
        format: Json,
        event: "Vec<MqttData>",
        notes: "[`MqttData`] as documented, without a CloudEvents envelope; with one, [`CloudEventBatch<MqttData>`]",
        description: "An MQTT message delivered by EventBridge, as FC documents it: an array of messages.",
        source: "Function Compute's documentation page \"触发器event格式\" (help.aliyun.com/document_detail/70140.html), section \"MQTT触发器\"",
        new: "an MQTT trigger",
    }
    DTS {
        name: "dts",
        trigger: "DTS change tracking (EventBridge)",
        file: "dts.json",
        format: Json,
        event: "CloudEventBatch<DtsData>",
        notes: "or [`DtsEvent`]; rows before and after the change",
        description: "A DTS change tracking UPDATE delivered by EventBridge, rows before and after.",
        source: "Function Compute's documentation page \"触发器event格式\" (help.aliyun.com/document_detail/70140.html), section \"DTS触发器\"; edited: `\"data\": {\"id\": 321****}` is not JSON, made `3210001`",
        new: "a DTS change tracking trigger",
    }
    DATAHUB {
        name: "datahub",
        trigger: "DataHub (its Function Compute connector)",
        file: "datahub.json",
        format: Json,
        event: "DataHubEvent",
        notes: "",
        description: "Two records of a DataHub topic, from DataHub's Function Compute connector.",
        source: "Function Compute's documentation page \"触发器event格式\" (help.aliyun.com/document_detail/70140.html), section \"DataHub\"",
        new: "a DataHub connector",
    }
    CDN {
        name: "cdn",
        trigger: "CDN",
        file: "cdn.json",
        format: Json,
        event: "CdnEvent",
        notes: "",
        description: "A CDN CachedObjectsRefreshed event.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "a CDN trigger",
    }
    HTTP_TRIGGER {
        name: "http-trigger",
        trigger: "HTTP trigger event (FC 3.0 event format)",
        file: "http-trigger.json",
        format: Json,
        event: "HttpTriggerEvent",
        notes: "answer [`HttpTriggerResponse`]",
        description: "A GET request through an HTTP trigger, FC 3.0 event format.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "an HTTP trigger in event format",
    }
    TABLESTORE {
        name: "tablestore",
        trigger: "Tablestore",
        file: "tablestore.cbor",
        format: Cbor,
        event: "Cbor<TablestoreEvent>",
        notes: "Tablestore sends CBOR; [`TablestoreEvent`] alone parses the JSON rendering",
        description: "A Tablestore PutRow, CBOR-encoded as Tablestore sends it.",
        source: "`tablestore-json.json` CBOR-encoded (fc-core's `cbor` tests check it stays so; `FC_BLESS_FIXTURES=1` re-makes it)",
        new: "a Tablestore trigger",
    }
    TABLESTORE_JSON {
        name: "tablestore-json",
        trigger: "Tablestore, rendered as JSON",
        file: "tablestore-json.json",
        format: Json,
        event: "TablestoreEvent",
        notes: "not sent by Tablestore: the `tablestore` payload as JSON, to read (no template)",
        description: "The Tablestore PutRow rendered as JSON (Tablestore itself sends CBOR).",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
    }
    ASYNC_DESTINATION {
        name: "async-destination",
        trigger: "Async invocation destination",
        file: "async-destination.json",
        format: Json,
        event: "AsyncDestinationEvent",
        notes: "",
        description: "An async invocation's record, as sent to its destination.",
        source: "Alibaba Cloud's documentation and samples (devsapp/fc3 event templates, aliyun/fc-runtime-go-sdk `events/`)",
        new: "the destination of asynchronous invocations",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::payloads::{ALL, Format, find};
    use super::*;

    /// The names of the files in this crate's directory `dir`, but its README.
    fn files(dir: &str) -> BTreeSet<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                entry
                    .expect("an entry")
                    .file_name()
                    .into_string()
                    .expect("UTF-8")
            })
            .filter(|name| name != "README.md")
            .collect()
    }

    #[test]
    fn names_are_unique_kebab_case_and_found() {
        let mut names = BTreeSet::new();
        for payload in ALL {
            let name = payload.name();
            assert!(names.insert(name), "{name} twice");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
            assert_eq!(find(name), Some(payload));
            assert!(!payload.description().is_empty());
            assert!(!payload.event_type().is_empty());
            assert!(!payload.bytes().is_empty());
            match payload.format() {
                Format::Json => {
                    let text = payload.text().expect("UTF-8");
                    serde_json::from_str::<serde_json::Value>(text).expect("valid JSON");
                }
                // A map (CBOR major type 5) at the top, and not text.
                Format::Cbor => {
                    assert_eq!(payload.bytes()[0] >> 5, 5, "{name}");
                    assert_eq!(payload.text(), None);
                }
            }
        }
        assert_eq!(find("nope"), None);
        assert_eq!(Format::Cbor.content_type(), "application/cbor");
        // `find` is a const fn: a test's `const` can name a payload.
        const OSS: Option<&payloads::Payload> = find("oss");
        assert_eq!(OSS.map(|p| p.name()), Some("oss"));
    }

    #[test]
    fn every_file_in_payloads_is_a_payload_named_after_its_trigger() {
        let named: BTreeSet<String> = ALL
            .iter()
            .map(|p| {
                let ext = match p.format() {
                    Format::Json => "json",
                    Format::Cbor => "cbor",
                };
                format!("{}.{ext}", p.name())
            })
            .collect();
        assert_eq!(files("payloads"), named);
    }

    /// Every trigger has a template but `tablestore-json` (not a trigger: the JSON
    /// rendering of `tablestore`), and every file in `templates/` is one.
    #[test]
    fn every_trigger_has_a_template_and_every_template_a_trigger() {
        let with_template: Vec<&str> = TEMPLATES.iter().map(Template::name).collect();
        let triggers: Vec<&str> = ALL
            .iter()
            .map(|p| p.name())
            .filter(|name| *name != "tablestore-json")
            .collect();
        assert_eq!(with_template, triggers);
        let named: BTreeSet<String> = TEMPLATES
            .iter()
            .map(|t| format!("{}.rs", t.name()))
            .collect();
        assert_eq!(files("templates"), named);
        for template in TEMPLATES {
            let name = template.name();
            assert_eq!(super::template(name), Some(template));
            // Its test sends the trigger's payload, and its docs say how to.
            let item = name.to_uppercase().replace('-', "_");
            assert!(
                template
                    .main()
                    .contains(&format!("payloads::{item}.bytes()")),
                "{name}"
            );
            assert!(
                template
                    .main()
                    .contains(&format!("fc-local invoke --example {name}`")),
                "{name}"
            );
            assert!(!template.about().is_empty(), "{name}");
        }
        assert_eq!(super::template("tablestore-json"), None);
    }

    /// The README's trigger table has a row for every payload, naming its trigger and
    /// its event type: adding a trigger to the table here without it fails.
    #[test]
    fn the_readme_lists_every_trigger() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
        let mut missing = Vec::new();
        for payload in ALL {
            let (name, event) = (payload.name(), payload.event_type());
            let row = format!("| `{name}` |");
            match rows.iter().find(|r| r.starts_with(&row)) {
                Some(r) if r.contains(&format!("`{event}`")) => {}
                Some(r) => missing.push(format!("{row}: no `{event}` in {r}")),
                None => missing.push(format!("no row `{row} … | `{event}` |`")),
            }
        }
        assert!(
            missing.is_empty(),
            "README.md's trigger table (Writing functions):\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_doc_table_has_a_row_per_payload() {
        let table: &str = __events_doc_table!();
        assert_eq!(table.lines().count(), 2 + ALL.len(), "{table}");
        assert!(table.contains("| Kafka (EventBridge) | [`kafka`](payloads::KAFKA) | [`CloudEventBatch<KafkaData>`] |"), "{table}");
    }
}
