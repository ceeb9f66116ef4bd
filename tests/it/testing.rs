//! The in-process test kit, `fc::testing`, used where a socket is not the point.

use fc::testing::{Invocation, TestApp};
use serde_json::json;

struct Config {
    greeting: &'static str,
}

#[fc::initialize]
async fn init() -> Result<Config, fc::Error> {
    tracing::info!("initializing");
    Ok(Config { greeting: "hi" })
}

#[fc::invoke]
async fn greet(name: String, config: fc::State<Config>, ctx: fc::Context) -> String {
    tracing::info!(region = ctx.region(), "greeting {name}");
    format!("{} {name}", config.greeting)
}

#[fc::pre_stop]
async fn stop() {
    tracing::info!("stopping");
}

#[fc::http]
fn web() -> axum::Router {
    axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            if true {
                panic!("http panic");
            }
            "unreachable"
        }),
    )
}

#[tokio::test]
async fn event_initialize_and_hook_with_their_own_lines() {
    let app = TestApp::new(fc::routes![init, greet, stop, web]);

    let init = app
        .send(Invocation::initialize().request_id("kit-init"))
        .await;
    assert!(init.is_success());
    assert_eq!(init.logs().len(), 3, "{:?}", init.logs());
    assert_eq!(init.logs()[0], "FC Initialize Start RequestId: kit-init");
    assert!(init.logs()[1].ends_with(" kit-init [INFO] initializing"));
    assert_eq!(init.logs()[2], "FC Initialize End RequestId: kit-init");

    let resp = app.invoke("Ana").await;
    assert_eq!(
        (resp.status(), resp.fc_status(), resp.text().as_str()),
        (200, Some("200"), "hi Ana")
    );
    let id = resp.request_id().to_owned();
    assert!(id.starts_with("1-") && id.len() == 32, "{id}");
    assert_eq!(
        resp.logs(),
        [
            format!("FC Invoke Start RequestId: {id}"),
            format!(
                "{} {id} [INFO] greeting Ana region=\"cn-hangzhou\"",
                &resp.logs()[1][..24]
            ),
            format!("FC Invoke End RequestId: {id}"),
        ]
    );

    let stop = app.pre_stop().await;
    assert!(stop.is_success());
    let logs = stop.logs();
    assert_eq!(logs.len(), 4, "{logs:?}");
    assert!(
        logs[0].starts_with("FC PreStop Start RequestId: "),
        "{logs:?}"
    );
    assert!(
        logs[1].ends_with("[INFO] running the pre-stop hook `stop`"),
        "{logs:?}"
    );
    assert!(logs[2].ends_with("[INFO] stopping"), "{logs:?}");
    assert!(
        logs[3].starts_with("FC PreStop End RequestId: "),
        "{logs:?}"
    );

    let boom = app.get("/boom").await;
    assert_eq!((boom.status(), boom.fc_status()), (404, Some("404")));
    assert!(!boom.text().contains("http panic"));
    assert!(
        boom.logs().iter().any(|l| l.ends_with("http panic")),
        "{:?}",
        boom.logs()
    );
}

#[tokio::test]
async fn concurrent_invocations_get_only_their_own_lines() {
    let app = TestApp::new(
        fc::App::new()
            .routes(fc::routes![greet])
            .state(Config { greeting: "yo" }),
    );
    let calls = (0..16).map(|i| {
        let app = app.clone();
        async move {
            app.send(Invocation::event(format!("n{i}")).request_id(&format!("kit-{i}")))
                .await
        }
    });
    for (i, resp) in futures_util::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(resp.text(), format!("yo n{i}"));
        assert_eq!(resp.logs().len(), 3, "{:?}", resp.logs());
        assert!(resp.logs().iter().all(|l| l.contains(&format!("kit-{i}"))));
    }
}

#[fc::invoke]
async fn describe(ctx: fc::Context) -> serde_json::Value {
    json!({
        "function_name": ctx.function_name(),
        "credentials": ctx.credentials().is_some(),
        "memory_mb": ctx.memory_mb(),
    })
}

#[tokio::test]
async fn headers_can_be_changed_emptied_and_removed() {
    let app = TestApp::new(fc::routes![describe]);
    let resp = app.invoke("{}").await;
    assert_eq!(
        resp.json::<serde_json::Value>(),
        json!({"function_name": "test-function", "credentials": true, "memory_mb": 512})
    );
    let resp = app
        .send(
            Invocation::event("{}")
                .header("x-fc-access-key-id", "")
                .header("x-fc-access-key-secret", "")
                .header("x-fc-function-memory", "lots")
                .without("x-fc-function-name"),
        )
        .await;
    let json = resp.json::<serde_json::Value>();
    assert_eq!(
        json["credentials"],
        std::env::var("ALIBABA_CLOUD_ACCESS_KEY_ID").is_ok()
    );
    assert_eq!(json["memory_mb"], serde_json::Value::Null);
}
