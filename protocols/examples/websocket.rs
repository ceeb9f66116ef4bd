//! A WebSocket chat as an FC HTTP function: an axum app with a `WebSocketUpgrade`
//! route, served unchanged, and a page to try it in a browser. Every socket is one
//! invocation (`FC Invoke Start` at the upgrade, `FC Invoke End` when it closes), and
//! the chat's log lines carry that socket's request id.
//! Run: `cargo run -p fc-protocols --example websocket`, then open http://localhost:9000/
//! in two browser tabs.
//!
//! On FC the chat room is per instance: set the trigger's session affinity (or keep
//! one instance) so that everyone in a room reaches the same one, or keep the room in
//! external state (Redis pub/sub, …).

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{Html, Response};
use axum::routing::get;
use tokio::sync::broadcast;

/// The room: every socket of this instance hears every message.
#[derive(Clone)]
struct Room {
    tx: broadcast::Sender<String>,
}

async fn page(ctx: fc::Context) -> Html<String> {
    // Behind FC 2.0's default domain the app lives under a base path.
    let base = ctx.base_path().unwrap_or("/").trim_end_matches('/');
    Html(PAGE.replace("{base}", base))
}

async fn join(ws: WebSocketUpgrade, State(room): State<Room>, ctx: fc::Context) -> Response {
    let who = ctx.request_id().to_owned();
    // `fc::ws::on_upgrade` instead of axum's `ws.on_upgrade`: the socket's task runs in
    // its invocation, so its log lines carry the request id. axum's works too, with
    // the markers and the deadline, but its lines carry no id.
    fc::ws::on_upgrade(ws, move |socket| chat(socket, room, who))
}

async fn chat(mut socket: WebSocket, room: Room, who: String) {
    tracing::info!("joined");
    let mut heard = room.tx.subscribe();
    let name = format!("guest-{}", &who[who.len().saturating_sub(4)..]);
    let _ = room.tx.send(format!("{name} joined"));
    loop {
        tokio::select! {
            received = socket.recv() => match received {
                Some(Ok(Message::Text(text))) => {
                    tracing::info!(bytes = text.len(), "message");
                    let _ = room.tx.send(format!("{name}: {}", text.as_str()));
                }
                Some(Ok(Message::Close(_))) | None => break,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::info!("the socket failed: {e}");
                    break;
                }
            },
            line = heard.recv() => match line {
                Ok(line) => {
                    if socket.send(Message::text(line)).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!("too slow: {missed} messages skipped");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    let _ = room.tx.send(format!("{name} left"));
    tracing::info!("left");
}

#[fc::http]
fn app() -> Router {
    let (tx, _) = broadcast::channel(256);
    Router::new()
        .route("/", get(page))
        .route("/ws", get(join))
        .with_state(Room { tx })
}

fn main() {
    fc::run(fc::routes![app]);
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<title>fc chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  #log { border: 1px solid #ccc; height: 20em; overflow-y: auto; padding: .5em; white-space: pre-wrap; }
  form { display: flex; gap: .5em; margin-top: .5em; } input { flex: 1; }
</style>
<h1>Chat on Function Compute</h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="say something"><button>Send</button></form>
<script>
  const log = document.getElementById("log");
  const show = (line) => { log.textContent += line + "\n"; log.scrollTop = log.scrollHeight; };
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}{base}/ws`);
  socket.onopen = () => show("(connected)");
  socket.onmessage = (event) => show(event.data);
  socket.onclose = (event) => show(`(closed: code ${event.code})`);
  document.getElementById("form").onsubmit = (event) => {
    event.preventDefault();
    const text = document.getElementById("text");
    if (text.value) { socket.send(text.value); text.value = ""; }
  };
</script>
"#;
