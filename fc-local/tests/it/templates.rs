//! Every `src/main.rs` that `fc-local new` writes, compiled and its tests run here,
//! against this checkout of fc: one module per template, each as a user's crate has
//! it. (`tests/it/new.rs` builds whole generated crates, for a few of them.)

#![allow(dead_code, reason = "each template's `main` is not called here")]

macro_rules! templates {
    ($($module:ident: $file:literal,)*) => {
        $(
            mod $module {
                include!(concat!("../../src/new/templates/", $file));
            }
        )*
    };
}

templates! {
    event: "event.rs",
    http: "http.rs",
    oss: "triggers/oss.rs",
    timer: "triggers/timer.rs",
    sls: "triggers/sls.rs",
    mns_topic: "triggers/mns-topic.rs",
    mns_topic_stream: "triggers/mns-topic-stream.rs",
    mns_queue: "triggers/mns-queue.rs",
    rocketmq: "triggers/rocketmq.rs",
    kafka: "triggers/kafka.rs",
    rabbitmq: "triggers/rabbitmq.rs",
    mqtt: "triggers/mqtt.rs",
    dts: "triggers/dts.rs",
    datahub: "triggers/datahub.rs",
    cdn: "triggers/cdn.rs",
    http_trigger: "triggers/http-trigger.rs",
    tablestore: "triggers/tablestore.rs",
    async_destination: "triggers/async-destination.rs",
}

/// A template added to `fc-local new` but not here would go untested.
#[test]
fn every_template_file_is_tested_here() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/new/templates/triggers");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("the templates")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    files.sort();
    let this = include_str!("templates.rs");
    for file in files {
        assert!(
            this.contains(&format!("\"triggers/{file}\"")),
            "{file} is not included in tests/it/templates.rs"
        );
    }
}
