//! Real trigger payloads: one body per trigger, byte for byte as Function Compute
//! POSTs it to `/invoke` (Tablestore's in CBOR, the rest JSON), taken from Alibaba
//! Cloud's documentation and samples.
//!
//! Feed them to a function in its unit tests, so it is tested against what FC really
//! sends rather than a hand-written guess:
//!
//! ```
//! use fc::events::{OssEvent, payloads};
//! use fc::testing::TestApp;
//!
//! #[fc::invoke]
//! async fn on_upload(ev: OssEvent) -> Vec<String> {
//!     ev.events.into_iter().map(|record| record.oss.object.key).collect()
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In a #[tokio::test]:
//! let app = TestApp::new(fc::routes![on_upload]);
//! let resp = app.invoke(payloads::OSS.bytes()).await;
//! assert!(resp.is_success());
//! assert_eq!(resp.json::<Vec<String>>(), ["image/a.jpg"]);
//!
//! // Every payload, by name, as `fc-local invoke --example <name>` sends it.
//! let kafka = payloads::find("kafka").expect("a payload");
//! assert_eq!(kafka.event_type(), "CloudEventBatch<KafkaData>");
//! assert!(payloads::ALL.contains(kafka));
//! # }
//! ```
//!
//! Masked values (`****`, `XX.XX`) and placeholders are as Alibaba published them.
//!
//! The payloads live in the `fc-rs-triggers` crate, the one table of triggers that
//! `fc-local` reads too (`fc-local examples`, `invoke --example`, `new --event`).

pub use fc_triggers::payloads::*;
