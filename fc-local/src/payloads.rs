//! Real trigger payloads, as FC delivers them to `POST /invoke`: `fc-local examples`
//! lists them, `invoke --example` and `check --example` send one. They are the table
//! of the `fc-rs-triggers` crate (the one `fc::events::payloads` re-exports), built
//! into fc-local in their exact wire form: Tablestore's is CBOR, the rest JSON.

pub(crate) use fc_triggers::payloads::{ALL, Payload};

/// The payload for `--example`, or a message listing the triggers there are.
pub(crate) fn example(trigger: &str) -> Result<&'static Payload, String> {
    fc_triggers::payloads::find(trigger).ok_or_else(|| {
        let names: Vec<&str> = ALL.iter().map(Payload::name).collect();
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
    fn an_unknown_trigger_is_answered_with_the_list() {
        assert_eq!(example("tablestore").map(Payload::name), Ok("tablestore"));
        let message = example("nope").unwrap_err();
        assert!(message.contains("`nope`"), "{message}");
        for payload in ALL {
            assert!(message.contains(payload.name()), "{message}");
        }
    }
}
