// An FC function for DataHub (its Function Compute connector): a batch of a topic's
// records, each a list of column values (`fc::events::DataHubEvent`).

use fc::events::DataHubEvent;

#[fc::invoke]
async fn on_records(event: DataHubEvent) -> Result<Vec<String>, fc::Error> {
    let topic = format!(
        "{}/{}",
        event.project().unwrap_or("?"),
        event.topic().unwrap_or("?")
    );
    let mut ids = Vec::new();
    for record in &event.records {
        let columns = record.columns()?;
        tracing::info!(
            %topic,
            event_id = %record.event_id,
            columns = columns.len(),
            first = %columns.first().map(ToString::to_string).unwrap_or_default(),
            "record received"
        );
        ids.push(record.event_id.clone());
    }
    Ok(ids)
}

fn main() {
    fc::run(fc::routes![on_records]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_record_ids_of_a_real_datahub_event() {
        let app = TestApp::new(fc::routes![on_records]);
        // What DataHub really sends (`fc-local invoke --example datahub`).
        let resp = app.invoke(payloads::DATAHUB.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.json::<Vec<String>>(), ["0:12345", "0:12346"]);
        assert!(
            resp.logs().iter().any(|l| l.contains("record received")
                && l.contains("topic=test_project_name/test_topic_name")
                && l.contains("columns=2")),
            "{:?}",
            resp.logs()
        );
    }
}
