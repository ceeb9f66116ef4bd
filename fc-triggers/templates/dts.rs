// An FC function for a DTS change tracking trigger: EventBridge delivers each changed
// row, before and after the change (`fc::events::CloudEventBatch<DtsData>`); this one
// logs the columns that changed.

use fc::events::{CloudEventBatch, DtsData};

#[fc::invoke]
async fn on_changes(batch: CloudEventBatch<DtsData>) -> Vec<String> {
    let mut changes = Vec::new();
    for event in batch {
        let change = event.data;
        let table = format!(
            "{}.{}",
            change.schema.database_name, change.schema.table_name
        );
        let mut columns = Vec::new();
        for field in &change.schema.record_fields {
            let name = field.field_name.as_str();
            let before = change
                .before_image
                .as_ref()
                .and_then(|image| image.get(name)?.text());
            let after = change
                .after_image
                .as_ref()
                .and_then(|image| image.get(name)?.text());
            if before != after {
                let show = |value: Option<String>| value.unwrap_or_else(|| "NULL".to_owned());
                columns.push(format!("{name}: {} -> {}", show(before), show(after)));
            }
        }
        tracing::info!(
            operation = %change.operation_type,
            %table,
            changed = %columns.join("; "),
            "row changed"
        );
        changes.push(format!(
            "{} {table}: {}",
            change.operation_type,
            columns.join("; ")
        ));
    }
    changes
}

fn main() {
    fc::run(fc::routes![on_changes]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_changed_columns_of_a_real_dts_event() {
        let app = TestApp::new(fc::routes![on_changes]);
        // What EventBridge really sends (`fc-local invoke --example dts`).
        let resp = app.invoke(payloads::DTS.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            ["UPDATE hangzhou--test-db.message_info: topic: hello -> bye"]
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("row changed") && l.contains("operation=UPDATE")),
            "{:?}",
            resp.logs()
        );
    }
}
