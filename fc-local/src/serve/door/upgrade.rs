//! Upgraded connections through the front door, forwarded as FC forwards a WebSocket
//! (contract §10): the upgrade request goes to the function with FC's headers, its
//! `101` comes back, then bytes flow both ways until either side closes, or until the
//! function's timeout, when FC closes the socket (the client sees close code 1006).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{CONNECTION, HeaderValue, UPGRADE};
use http::{HeaderMap, Response};
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;

use super::http::Invocation;
use super::instance::Instance;
use super::{Door, headers};
use crate::client::{self, Body};
use crate::ui::{self, Style, Ui};

impl Door {
    /// The function switched protocols (`101`): the client gets the 101 as the
    /// function sent it (its `Connection`, `Upgrade` and `Sec-WebSocket-*` included,
    /// FC's own headers removed), then bytes flow both ways until either side closes
    /// or the function's timeout, as on FC. The socket is one invocation: its log is
    /// shown, and its concurrency slot held, until it ends.
    pub(super) fn switch(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        response: Response<Incoming>,
        sides: (OnUpgrade, OnUpgrade),
        invocation: Invocation,
    ) -> Response<Body> {
        let (mut parts, _) = response.into_parts();
        headers::switch_to_client(&mut parts.headers, &invocation.id);
        let door = Arc::clone(self);
        let busy = Arc::clone(instance);
        let deadline = Duration::from_secs(instance.requests.identity().timeout_s);
        tokio::spawn(async move {
            let ended = pipe(sides.0, sides.1, deadline).await;
            let Invocation { id, label, slot } = invocation;
            drop((slot, busy));
            let heading = heading(&door.ui, &label, &id, &ended);
            drop(door.tracker.close(&id, heading));
        });
        Response::from_parts(parts, client::full(Bytes::new()))
    }
}

/// The protocol a request asks to switch to (`Upgrade`), when its `Connection`
/// names `upgrade`.
pub(super) fn requested(headers: &HeaderMap) -> Option<HeaderValue> {
    let asks = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    if asks {
        headers.get(UPGRADE).cloned()
    } else {
        None
    }
}

/// How a forwarded socket ended.
#[derive(Debug)]
struct Ended {
    how: How,
    lasted: Duration,
}

#[derive(Debug)]
enum How {
    /// Both sides closed: the bytes from the client and from the function.
    Closed { sent: u64, received: u64 },
    /// Cut at the function's timeout.
    Deadline(Duration),
    /// The upgrade or the connection failed.
    Broke(String),
}

/// Carries bytes between the client's side and the function's side of a switched
/// connection until both have closed, at most `deadline`.
async fn pipe(client: OnUpgrade, function: OnUpgrade, deadline: Duration) -> Ended {
    let start = Instant::now();
    let ended = |how| Ended {
        how,
        lasted: start.elapsed(),
    };
    let (client, function) = match tokio::try_join!(client, function) {
        Ok(sides) => sides,
        Err(e) => return ended(How::Broke(format!("the switch failed: {e}"))),
    };
    let (mut client, mut function) = (TokioIo::new(client), TokioIo::new(function));
    let copied = tokio::io::copy_bidirectional(&mut client, &mut function);
    match tokio::time::timeout(deadline, copied).await {
        Ok(Ok((sent, received))) => ended(How::Closed { sent, received }),
        Ok(Err(e)) => ended(How::Broke(format!("the connection broke: {e}"))),
        // Dropping both sides closes them, as FC does at the timeout.
        Err(_) => ended(How::Deadline(deadline)),
    }
}

/// `GET /ws 1-… WebSocket closed · 3.10 s · 12 B in, 12 B out`.
fn heading(ui: &Ui, label: &str, id: &str, ended: &Ended) -> String {
    let lasted = ui::duration(ended.lasted);
    let (style, what, detail) = match &ended.how {
        How::Closed { sent, received } => (
            Style::Green,
            "switched protocols, closed".to_owned(),
            format!("101 · {lasted} · {sent} B in, {received} B out"),
        ),
        How::Deadline(deadline) => (
            Style::Yellow,
            format!(
                "switched protocols, closed by fc-local at the function's timeout ({} s), \
                 as FC closes it",
                deadline.as_secs()
            ),
            format!("101 · {lasted}"),
        ),
        How::Broke(why) => (Style::Red, why.clone(), format!("101 · {lasted}")),
    };
    format!(
        "{} {} {}",
        ui.paint(Style::Bold, &format!("{label} {id}")),
        ui.paint(style, &what),
        ui.paint(Style::Dim, &format!("· {detail}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upgrade_is_asked_by_connection_and_upgrade_together() {
        let mut headers = HeaderMap::new();
        headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
        assert_eq!(requested(&headers), None);
        headers.insert(CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
        assert_eq!(
            requested(&headers),
            Some(HeaderValue::from_static("websocket"))
        );
        headers.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
        assert_eq!(requested(&headers), None);
    }
}
