// An FC function for a Log Service (SLS) trigger: SLS sends a job, the logstore shard
// and the cursor range to read (`fc::events::SlsEvent`); read the logs themselves
// with an SLS client from `source.begin_cursor` to `source.end_cursor`.

use fc::events::SlsEvent;
use serde::{Deserialize, Serialize};

/// What to read.
#[derive(Debug, Serialize, Deserialize)]
struct Batch {
    project: String,
    logstore: String,
    shard: u32,
    begin_cursor: String,
    end_cursor: String,
}

#[fc::invoke]
async fn on_logs(event: SlsEvent) -> Batch {
    let source = event.source;
    tracing::info!(
        job = %event.job_name,
        project = %source.project_name,
        logstore = %source.logstore_name,
        shard = source.shard_id,
        "logs to process"
    );
    Batch {
        project: source.project_name,
        logstore: source.logstore_name,
        shard: source.shard_id,
        begin_cursor: source.begin_cursor,
        end_cursor: source.end_cursor,
    }
}

fn main() {
    fc::run(fc::routes![on_logs]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_range_of_a_real_sls_event() {
        let app = TestApp::new(fc::routes![on_logs]);
        // What SLS really sends (`fc-local invoke --example sls`).
        let resp = app.invoke(payloads::SLS.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        let batch: Batch = resp.json();
        assert_eq!(
            (batch.project.as_str(), batch.logstore.as_str(), batch.shard),
            ("log-com", "log-en", 0)
        );
        assert_eq!(batch.begin_cursor, "MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==");
        assert_eq!(batch.end_cursor, "MTUyOTQ4MDIwOTY1NTk3ODQ2NA==");
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("logs to process") && l.contains("logstore=log-en")),
            "{:?}",
            resp.logs()
        );
    }
}
