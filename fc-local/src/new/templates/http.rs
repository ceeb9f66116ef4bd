// An FC HTTP function: an axum app. FC forwards each HTTP request to it whole; fc
// answers FC's health check at /healthz (what s.yaml's healthCheckConfig asks for).

use fc::axum::extract::Path;
use fc::axum::routing::get;
use fc::axum::{Json, Router};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct Greeting {
    message: String,
    request_id: String,
}

async fn home() -> &'static str {
    "hello from Function Compute\n"
}

async fn hello(Path(name): Path<String>, ctx: fc::Context) -> Json<Greeting> {
    tracing::info!(%name, "greeting");
    Json(Greeting {
        message: format!("hello, {name}!"),
        request_id: ctx.request_id().to_owned(),
    })
}

#[fc::http]
fn router() -> Router {
    Router::new()
        .route("/", get(home))
        .route("/hello/{name}", get(hello))
}

/// The app: the router, and fc's answer to FC's health check.
fn app() -> fc::App {
    fc::App::from(fc::routes![router]).health_check(fc::DEFAULT_HEALTH_PATH)
}

fn main() {
    fc::run(app());
}

#[cfg(test)]
mod tests {
    use super::*;
    use fc::testing::TestApp;

    #[tokio::test]
    async fn greets_by_path() {
        let app = TestApp::new(app());
        let resp = app.get("/hello/FC").await;
        assert_eq!(resp.status(), 200, "{}", resp.text());
        let greeting: Greeting = resp.json();
        assert_eq!(greeting.message, "hello, FC!");
        assert_eq!(greeting.request_id, resp.request_id());
        assert!(
            resp.logs()
                .iter()
                .any(|l| l.ends_with("[INFO] greeting name=FC")),
            "{:?}",
            resp.logs()
        );
    }

    #[tokio::test]
    async fn answers_the_home_page_and_fcs_health_check() {
        let app = TestApp::new(app());
        assert_eq!(app.get("/").await.text(), "hello from Function Compute\n");
        let health = app.get(fc::DEFAULT_HEALTH_PATH).await;
        assert_eq!(health.status(), 200, "{}", health.text());
        assert_eq!(app.get("/nowhere").await.status(), 404);
    }
}
