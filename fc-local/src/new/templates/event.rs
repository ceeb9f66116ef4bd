// An FC event function: FC POSTs each event to `/invoke`, fc parses it as JSON into
// `Event` and answers with `Reply` as JSON (or FC's error, with `x-fc-status: 404`).

use serde::{Deserialize, Serialize};

/// The event: `{"name": "FC"}`; every field is optional, so any JSON object will do.
#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    name: Option<String>,
}

/// The answer, sent back as JSON.
#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    message: String,
    request_id: String,
}

#[fc::invoke]
async fn handle(event: Event, ctx: fc::Context) -> Result<Reply, fc::Error> {
    let name = event.name.unwrap_or_else(|| "world".to_owned());
    if name.trim().is_empty() {
        return Err("`name` is empty".into());
    }
    // Log lines go to stdout in FC's format, with the request id.
    tracing::info!(%name, "greeting");
    Ok(Reply {
        message: format!("hello, {name}!"),
        request_id: ctx.request_id().to_owned(),
    })
}

fn main() {
    fc::run(fc::routes![handle]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::events::payloads;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn greets_the_name_in_the_event() {
        let app = TestApp::new(fc::routes![handle]);
        let resp = app.invoke(r#"{"name": "FC"}"#).await;
        assert!(resp.is_success(), "{}", resp.text());
        let reply: Reply = resp.json();
        assert_eq!(reply.message, "hello, FC!");
        assert_eq!(reply.request_id, resp.request_id());
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.ends_with("[INFO] greeting name=FC")),
            "{:?}",
            resp.logs()
        );
    }

    #[tokio::test]
    async fn a_real_timer_event_names_no_one() {
        // fc::events::payloads holds what FC's triggers really send.
        let app = TestApp::new(fc::routes![handle]);
        let resp = app.invoke(payloads::TIMER.bytes()).await;
        assert!(resp.is_success(), "{}", resp.text());
        assert_eq!(resp.json::<Reply>().message, "hello, world!");
    }

    #[tokio::test]
    async fn an_empty_name_is_an_error() {
        let app = TestApp::new(fc::routes![handle]);
        let resp = app.invoke(r#"{"name": ""}"#).await;
        assert_eq!((resp.status(), resp.fc_status()), (404, Some("404")));
        assert!(resp.text().contains("`name` is empty"), "{}", resp.text());
    }
}
