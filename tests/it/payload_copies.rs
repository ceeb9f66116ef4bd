//! fc-local publishes on its own, so it embeds its own copy of the real trigger
//! payloads `fc::events::payloads` has. The copies must stay byte for byte the same.

use std::path::Path;

#[test]
fn fc_locals_payloads_are_the_same_bytes_as_fc_events_payloads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fc-local/payloads");
    let mut copies: Vec<String> = std::fs::read_dir(&dir)
        .expect("fc-local/payloads")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    copies.sort();
    for name in &copies {
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        let payload = fc::events::payloads::find(stem)
            .unwrap_or_else(|| panic!("fc-local/payloads/{name} has no payload in fc::events"));
        let copy = std::fs::read(dir.join(name)).expect("read the copy");
        assert!(
            copy == payload.bytes(),
            "fc-local/payloads/{name} differs from fc::events::payloads::{stem}"
        );
    }
    // Every payload a user can send with `fc-local invoke --example` is one fc knows,
    // and every trigger fc has a payload for can be sent (tablestore-json is only
    // the readable rendering of the CBOR one).
    let mut missing: Vec<&str> = fc::events::payloads::ALL
        .iter()
        .map(|p| p.name())
        .filter(|n| *n != "tablestore-json")
        .filter(|n| !copies.iter().any(|c| c.starts_with(&format!("{n}."))))
        .collect();
    missing.sort_unstable();
    assert!(missing.is_empty(), "not in fc-local/payloads: {missing:?}");
}
