//! One running function instance as the door reaches it (its connections, its
//! concurrency slots, its timeout) and its lifecycle hook: `/initialize`, sent before
//! the first request and again after a failure.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response, StatusCode};
use tokio::sync::Semaphore;

use super::{Door, door_answer};
use crate::client::{self, Body, H2, Pool, Reply};
use crate::function::Function;
use crate::identity;
use crate::marker::Kind;
use crate::request::Requests;

/// One running function instance, as the door forwards to it.
pub(crate) struct Instance {
    pub(super) requests: Requests,
    pub(super) addr: SocketAddr,
    pub(super) pool: Pool,
    /// The one HTTP/2 connection HTTP/2 requests share, as FC's gateway keeps one
    /// per instance for gRPC; opened at the first.
    h2: tokio::sync::Mutex<Option<H2>>,
    /// Whether `/initialize` is sent before the first request.
    pub(super) initializer: bool,
    initialized: tokio::sync::Mutex<bool>,
    /// The ids of the `/initialize` requests sent.
    initialize_ids: std::sync::Mutex<Vec<String>>,
    initialize_timeout: Duration,
    /// instanceConcurrency from s.yaml: requests beyond it wait for a slot, as FC
    /// would send them to another instance.
    pub(super) slots: Option<Arc<Semaphore>>,
    /// How long an invocation's answer may take.
    pub(super) timeout: Duration,
}

impl Instance {
    /// `function` as the door forwards to it; `initializer`: `/initialize` was asked.
    pub(crate) fn new(function: &Function, initializer: bool) -> Instance {
        let emulation = &function.emulation;
        Instance {
            requests: function.requests.clone(),
            addr: function.addr,
            pool: Pool::new(function.addr),
            h2: tokio::sync::Mutex::new(None),
            initializer: emulation.sends_initialize(initializer),
            initialized: tokio::sync::Mutex::new(false),
            initialize_ids: std::sync::Mutex::new(Vec::new()),
            initialize_timeout: emulation.initialize_timeout(),
            slots: emulation
                .instance_concurrency()
                .map(|n| Arc::new(Semaphore::new(n.clamp(1, Semaphore::MAX_PERMITS)))),
            timeout: function.invocation_timeout(),
        }
    }

    /// The ids of the `/initialize` requests sent.
    pub(crate) fn initialize_ids(&self) -> Vec<String> {
        self.initialize_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The HTTP/2 connection, opened again when the function closed it.
    pub(super) async fn h2(&self) -> Result<H2, String> {
        let mut h2 = self.h2.lock().await;
        if let Some(conn) = h2.as_ref().filter(|conn| !conn.is_closed()) {
            return Ok(conn.clone());
        }
        let conn = H2::connect(self.addr).await?;
        *h2 = Some(conn.clone());
        Ok(conn)
    }

    /// An HTTP/2 request failed with `e`: why, saying so when the function does not
    /// speak h2c at all.
    pub(super) async fn why_not_h2(&self, e: String) -> String {
        match client::refuses_h2c(self.addr).await {
            Some(why) => format!(
                "the function does not speak HTTP/2 in cleartext with prior knowledge (h2c), \
                 which FC uses for gRPC: {why}"
            ),
            None => e,
        }
    }

    /// One request on a pooled connection.
    pub(super) async fn exchange(
        &self,
        request: Request<Body>,
        timeout: Duration,
    ) -> Result<Reply, String> {
        let mut conn = self.pool.get().await?;
        let reply = client::exchange(&mut conn, request, timeout).await?;
        self.pool.put(conn);
        Ok(reply)
    }
}

impl Door {
    /// Runs `/initialize` unless it already succeeded; on failure, the answer for the
    /// caller.
    pub(super) async fn ensure_initialized(
        &self,
        instance: &Instance,
    ) -> Result<(), Response<Body>> {
        let mut done = instance.initialized.lock().await;
        if *done {
            return Ok(());
        }
        let id = identity::request_id();
        instance
            .initialize_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id.clone());
        let request = instance.requests.initialize(&id);
        self.tracker.open(&id, Kind::Initialize);
        let result = instance
            .exchange(request, instance.initialize_timeout)
            .await;
        let heading = self.heading("POST /initialize", &id, &result);
        drop(self.tracker.close(&id, heading));
        match result {
            Ok(reply) if reply.succeeded() => {
                *done = true;
                Ok(())
            }
            Ok(reply) => Err(self.event_answer(&id, reply)),
            Err(e) => Err(door_answer(
                StatusCode::BAD_GATEWAY,
                format!("fc-local: /initialize: {e}\n"),
            )),
        }
    }
}
