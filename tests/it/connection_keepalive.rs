//! FC keeps connections to the runtime open and idle for long; a POST on a connection
//! the server closed becomes a 502 for the caller. hyper's HTTP/1 server has a 30 s
//! header-read timeout by default, which also runs while a keep-alive connection
//! waits for its next request, whenever a timer is configured. fc configures none
//! and turns the timeout off, so an idle connection stays usable.

use crate::common;

use std::time::Duration;

use common::{Req, start};

#[fc::invoke]
async fn echo(event: String) -> String {
    event
}

async fn idle_then_post(idle: Duration) {
    let server = start(fc::routes![echo].into()).await;
    let mut client = server.connect().await;
    client.send(Req::invoke("ka-1", "before")).await.expect_ok();
    tokio::time::sleep(idle).await;
    assert!(!client.is_closed(), "the server closed the idle connection");
    let resp = client
        .try_send(Req::invoke("ka-2", "after"))
        .await
        .expect("a POST on the idle connection");
    assert_eq!(resp.expect_ok().text(), "after");
    server.stop().await;
}

/// Sixteen minutes of idleness, on tokio's paused clock: any tokio-timer-based
/// timeout in the server (hyper's header-read timeout among them) would fire.
#[tokio::test(start_paused = true)]
async fn idle_for_sixteen_minutes_of_virtual_time() {
    idle_then_post(Duration::from_secs(16 * 60)).await;
}

/// Longer than hyper's 30 s default header-read timeout, in real time.
#[tokio::test]
async fn idle_longer_than_hypers_default_header_read_timeout() {
    idle_then_post(Duration::from_secs(31)).await;
}
