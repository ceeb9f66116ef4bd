// An FC function for an OSS trigger: OSS sends the objects that were created or
// deleted (`fc::events::OssEvent`); this one logs each and answers their paths.

use fc::events::OssEvent;

#[fc::invoke]
async fn on_objects(event: OssEvent) -> Vec<String> {
    let mut paths = Vec::new();
    for record in &event.events {
        let (bucket, object) = (&record.oss.bucket, &record.oss.object);
        tracing::info!(
            event = %record.event_name,
            bucket = %bucket.name,
            key = %object.key,
            size = object.size,
            "object changed"
        );
        paths.push(format!("oss://{}/{}", bucket.name, object.key));
    }
    paths
}

fn main() {
    fc::run(fc::routes![on_objects]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_paths_of_a_real_oss_event() {
        let app = TestApp::new(fc::routes![on_objects]);
        // What OSS really sends (`fc-local invoke --example oss` sends it too).
        let resp = app.invoke(payloads::OSS.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.json::<Vec<String>>(), ["oss://testbucket/image/a.jpg"]);
        assert!(
            resp.logs().iter().any(|l| l.contains("object changed")
                && l.contains("event=ObjectCreated:PutObject")
                && l.contains("key=image/a.jpg")),
            "{:?}",
            resp.logs()
        );
    }
}
