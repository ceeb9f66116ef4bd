// An FC function for a CDN trigger: CDN events such as refreshed or prefetched
// objects, logs ready, domains added or removed (`fc::events::CdnEvent`).

use fc::events::CdnEvent;

#[fc::invoke]
async fn on_cdn(event: CdnEvent) -> Vec<String> {
    let mut objects = Vec::new();
    for record in event.events {
        let domain = record.resource.domain;
        let paths = record.event_parameter.object_path.unwrap_or_default();
        tracing::info!(
            event = %record.event_name,
            %domain,
            objects = paths.len(),
            "CDN event"
        );
        objects.extend(paths.into_iter().map(|path| format!("{domain}{path}")));
    }
    objects
}

fn main() {
    fc::run(fc::routes![on_cdn]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn answers_the_objects_of_a_real_cdn_event() {
        let app = TestApp::new(fc::routes![on_cdn]);
        // What CDN really sends (`fc-local invoke --example cdn`).
        let resp = app.invoke(payloads::CDN.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(
            resp.json::<Vec<String>>(),
            [
                "example.com/2018/03/16/13/33b430c57e7.mp4",
                "example.com/2018/03/16/14/4ff6b9bd54d.mp4"
            ]
        );
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.contains("CDN event") && l.contains("event=CachedObjectsRefreshed")),
            "{:?}",
            resp.logs()
        );
    }
}
