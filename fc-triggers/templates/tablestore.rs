// An FC function for a Tablestore trigger: Tablestore sends the changed rows in CBOR
// (`fc::events::Cbor<TablestoreEvent>` decodes it).

use fc::events::{Cbor, TablestoreEvent};

#[fc::invoke]
async fn on_rows(Cbor(event): Cbor<TablestoreEvent>) -> Vec<String> {
    let mut rows = Vec::new();
    for record in event.records {
        let key: Vec<String> = record
            .primary_key
            .iter()
            .map(|pk| format!("{}={}", pk.column_name, pk.value))
            .collect();
        let columns: Vec<&str> = record
            .columns
            .iter()
            .map(|c| c.column_name.as_str())
            .collect();
        tracing::info!(
            change = %record.r#type,
            key = %key.join(","),
            columns = %columns.join(","),
            "row changed"
        );
        rows.push(format!("{} {}", record.r#type, key.join(",")));
    }
    rows
}

fn main() {
    fc::run(fc::routes![on_rows]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_rows_of_a_real_tablestore_event() {
        let app = TestApp::new(fc::routes![on_rows]);
        // What Tablestore really sends, CBOR (`fc-local invoke --example tablestore`).
        let resp = app.invoke(payloads::TABLESTORE.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            [
                "PutRow pk_0=1506416585881590900,pk_1=2017-09-26 17:03:05.8815909 +0800 CST,pk_2=1506416585741000"
            ]
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("row changed") && l.contains("columns=attr_0,attr_1")),
            "{:?}",
            resp.logs()
        );
    }
}
