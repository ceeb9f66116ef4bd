//! The front door: one request in, forwarded to the current instance as FC forwards
//! it, the answer back.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame, Incoming};
use hyper::upgrade::OnUpgrade;
use tokio::sync::{OwnedSemaphorePermit, RwLock, RwLockWriteGuard, Semaphore};

use crate::client::{self, Body, BoxError, Conn, H2, Pool, Reply};
use crate::function::Function;
use crate::group::{self, Tracker};
use crate::identity::{self, Control};
use crate::marker::Kind;
use crate::request::Requests;
use crate::ui::{Style, Ui};

use super::{SERVICE, upgrade};

/// FC's limit for a synchronous invocation's event.
const MAX_EVENT: usize = 32 * 1024 * 1024;

/// The front door: takes requests and forwards them to the current instance.
pub(crate) struct Door {
    http: bool,
    base_path: Option<String>,
    tracker: Arc<Tracker>,
    ui: Arc<Ui>,
    /// The instance requests go to; `watch` holds it while it restarts the function,
    /// and requests wait (up to [`RESTART_WAIT`]). None: the last start failed.
    current: RwLock<Option<Arc<Instance>>>,
}

/// One running function instance, as the door forwards to it.
pub(crate) struct Instance {
    requests: Requests,
    addr: SocketAddr,
    pool: Pool,
    /// The one HTTP/2 connection HTTP/2 requests share, as FC's gateway keeps one
    /// per instance for gRPC; opened at the first.
    h2: tokio::sync::Mutex<Option<H2>>,
    /// Whether `/initialize` is sent before the first request.
    initializer: bool,
    initialized: tokio::sync::Mutex<bool>,
    /// The ids of the `/initialize` requests sent.
    initialize_ids: std::sync::Mutex<Vec<String>>,
    initialize_timeout: Duration,
    /// instanceConcurrency from s.yaml: requests beyond it wait for a slot, as FC
    /// would send them to another instance.
    slots: Option<Arc<Semaphore>>,
    /// How long an invocation's answer may take.
    timeout: Duration,
}

/// How long a request waits for the function while `watch` rebuilds and restarts it.
pub(crate) const RESTART_WAIT: Duration = Duration::from_secs(60);

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
    async fn h2(&self) -> Result<H2, String> {
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
    async fn why_not_h2(&self, e: String) -> String {
        match client::refuses_h2c(self.addr).await {
            Some(why) => format!(
                "the function does not speak HTTP/2 in cleartext with prior knowledge (h2c), \
                 which FC uses for gRPC: {why}"
            ),
            None => e,
        }
    }

    async fn exchange(&self, request: Request<Body>, timeout: Duration) -> Result<Reply, String> {
        let mut conn = self.pool.get().await?;
        let reply = client::exchange(&mut conn, request, timeout).await?;
        self.pool.put(conn);
        Ok(reply)
    }
}

/// A plain-text answer from the front door itself.
fn door_answer(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(client::full(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Hop-by-hop headers, never forwarded.
fn hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
        || name.as_str() == "proxy-connection"
}

impl Door {
    pub(crate) fn new(
        http: bool,
        base_path: Option<String>,
        tracker: &Arc<Tracker>,
        ui: &Arc<Ui>,
    ) -> Arc<Door> {
        Arc::new(Door {
            http,
            base_path,
            tracker: Arc::clone(tracker),
            ui: Arc::clone(ui),
            current: RwLock::new(None),
        })
    }

    /// Makes `function` the instance requests go to and, when it has an
    /// initializer, sends `/initialize` as FC does right after start (a failure is
    /// retried before the next request).
    pub(crate) async fn start(&self, function: &Function, initializer: bool) -> Arc<Instance> {
        let instance = Arc::new(Instance::new(function, initializer));
        *self.current.write().await = Some(Arc::clone(&instance));
        if instance.initializer {
            let _ = self.ensure_initialized(&instance).await;
        }
        instance
    }

    /// Holds every new request until the guard is dropped: for a restart.
    pub(crate) async fn pause(&self) -> RwLockWriteGuard<'_, Option<Arc<Instance>>> {
        self.current.write().await
    }

    /// While paused: waits until the requests already forwarded to the instance have
    /// their answers (at most its invocation timeout), so a restart cuts none off.
    pub(crate) async fn drain(&self, paused: &RwLockWriteGuard<'_, Option<Arc<Instance>>>) {
        let Some(instance) = paused.as_ref() else {
            return;
        };
        let start = std::time::Instant::now();
        // Every request in flight holds a clone of the instance.
        while Arc::strong_count(instance) > 1 && start.elapsed() < instance.timeout {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// While paused: `function` (None: none is running) becomes the instance, with
    /// `/initialize` first when it has an initializer.
    pub(crate) async fn replace(
        &self,
        paused: &mut RwLockWriteGuard<'_, Option<Arc<Instance>>>,
        function: Option<&Function>,
        initializer: bool,
    ) {
        let Some(function) = function else {
            **paused = None;
            return;
        };
        let instance = Arc::new(Instance::new(function, initializer));
        if instance.initializer {
            let _ = self.ensure_initialized(&instance).await;
        }
        **paused = Some(instance);
    }

    /// Whether requests are forwarded as HTTP invocations (else as events).
    pub(crate) fn is_http(&self) -> bool {
        self.http
    }

    /// The base path served under, if any.
    pub(crate) fn base_path(&self) -> Option<&str> {
        self.base_path.as_deref()
    }

    /// The current instance, waiting while a restart holds it.
    async fn instance(&self) -> Result<Arc<Instance>, Response<Body>> {
        match tokio::time::timeout(RESTART_WAIT, self.current.read()).await {
            Ok(current) => current.clone().ok_or_else(|| {
                door_answer(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "fc-local: the function is not running (its last start failed)\n".to_owned(),
                )
            }),
            Err(_) => Err(door_answer(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "fc-local: the function is still restarting after {} s\n",
                    RESTART_WAIT.as_secs()
                ),
            )),
        }
    }

    pub(crate) async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Body> {
        let instance = match self.instance().await {
            Ok(instance) => instance,
            Err(answer) => return answer,
        };
        if instance.initializer {
            if let Err(answer) = self.ensure_initialized(&instance).await {
                return answer;
            }
        }
        // Held until the answer is complete (an HTTP body to its end).
        let slot = match &instance.slots {
            Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
            None => None,
        };
        if self.http {
            self.http_invoke(&instance, req, slot).await
        } else {
            self.invoke(&instance, req).await
        }
    }

    /// Runs `/initialize` unless it already succeeded; on failure, the answer for the
    /// caller.
    async fn ensure_initialized(&self, instance: &Instance) -> Result<(), Response<Body>> {
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

    fn heading(&self, what: &str, id: &str, result: &Result<Reply, String>) -> String {
        group::heading(&self.ui, Kind::Invoke, what, id, result)
    }

    /// What FC's InvokeFunction answers: the body, the request id, and on failure
    /// `x-fc-error-type: UnhandledInvocationError`.
    fn event_answer(&self, id: &str, reply: Reply) -> Response<Body> {
        let failed = !reply.succeeded();
        let mut response = Response::new(client::full(reply.body));
        if let Ok(id) = HeaderValue::from_str(id) {
            response.headers_mut().insert("x-fc-request-id", id);
        }
        if failed {
            response.headers_mut().insert(
                "x-fc-error-type",
                HeaderValue::from_static("UnhandledInvocationError"),
            );
        }
        response
    }

    async fn invoke(&self, instance: &Instance, req: Request<Incoming>) -> Response<Body> {
        if req.method() != Method::POST {
            return door_answer(
                StatusCode::METHOD_NOT_ALLOWED,
                "fc-local serve (event mode): POST an event; the request's body is the event \
                 (use --http to serve HTTP requests)\n"
                    .to_owned(),
            );
        }
        let label = format!("{} {}", req.method(), req.uri().path());
        let body = match http_body_util::Limited::new(req.into_body(), MAX_EVENT)
            .collect()
            .await
        {
            Ok(body) => body.to_bytes(),
            Err(e) => {
                return door_answer(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "fc-local: the event could not be read (FC accepts up to 32 MB): {e}\n"
                    ),
                );
            }
        };
        let id = identity::request_id();
        let request = instance.requests.event(&id, body);
        self.tracker.open(&id, Kind::Invoke);
        let result = instance.exchange(request, instance.timeout).await;
        drop(self.tracker.close(&id, self.heading(&label, &id, &result)));
        match result {
            Ok(reply) => self.event_answer(&id, reply),
            Err(e) => door_answer(StatusCode::BAD_GATEWAY, format!("fc-local: {e}\n")),
        }
    }

    async fn http_invoke(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        mut req: Request<Incoming>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Response<Body> {
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned());
        if let Some(base) = &self.base_path {
            let bare = base.trim_end_matches('/');
            let path = req.uri().path();
            if path != bare && !path.starts_with(base.as_str()) {
                return door_answer(
                    StatusCode::NOT_FOUND,
                    format!("fc-local: this front door serves {base} (FC 2.0's default domain)\n"),
                );
            }
        }
        let h2 = req.version() == Version::HTTP_2;
        // A WebSocket (or other) upgrade: the client's side of the connection, once
        // the function has switched protocols.
        let upgrade = upgrade::requested(req.headers()).map(|protocol| {
            let client = hyper::upgrade::on(&mut req);
            (protocol, client)
        });
        let label = format!("{} {}", req.method(), path_and_query);
        let id = identity::request_id();
        let (parts, body) = req.into_parts();
        let body: Body = body.map_err(BoxError::from).boxed();
        let mut request = instance.requests.build(
            parts.method,
            &path_and_query,
            &id,
            Control::HttpInvoke,
            body,
        );
        let fc_headers = std::mem::take(request.headers_mut());
        for (name, value) in &parts.headers {
            // gRPC's `te: trailers` is the one TE HTTP/2 allows, and gRPC servers want it.
            let trailers = h2 && name == header::TE && value == "trailers";
            if (trailers || !hop_by_hop(name))
                && !name.as_str().starts_with("x-fc-")
                && name != header::HOST
            {
                request.headers_mut().append(name, value.clone());
            }
        }
        for (name, value) in &fc_headers {
            request.headers_mut().insert(name, value.clone());
        }
        if let Some((protocol, _)) = &upgrade {
            let headers = request.headers_mut();
            headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
            headers.insert(header::UPGRADE, protocol.clone());
        }
        if let Some(base) = &self.base_path {
            if let Ok(value) = HeaderValue::from_str(base) {
                request.headers_mut().insert("x-fc-base-path", value);
            }
            request
                .headers_mut()
                .insert("x-fc-service-name", HeaderValue::from_static(SERVICE));
        }
        let host = parts.headers.get(header::HOST).cloned().or_else(|| {
            let authority = parts.uri.authority()?;
            HeaderValue::from_str(authority.as_str()).ok()
        });
        if let Some(host) = host {
            request.headers_mut().insert(header::HOST, host);
        }

        self.tracker.open(&id, Kind::Invoke);
        let start = Instant::now();
        let timeout = instance.timeout;
        let sent = async {
            if h2 {
                // FC's gateway: every HTTP/2 request a stream of one connection.
                let mut conn = instance.h2().await?;
                return match tokio::time::timeout(timeout, conn.send(request)).await {
                    Ok(Ok(response)) => Ok(response),
                    Ok(Err(e)) => Err(instance.why_not_h2(e).await),
                    Err(_) => Err(format!("no response within {} s", timeout.as_secs())),
                };
            }
            // An upgraded connection is the socket's alone: never pooled.
            let mut conn = match upgrade {
                Some(_) => Conn::connect(instance.addr).await?,
                None => instance.pool.get().await?,
            };
            let response = tokio::time::timeout(timeout, conn.send(request))
                .await
                .map_err(|_| format!("no response within {} s", timeout.as_secs()))??;
            if upgrade.is_none() {
                instance.pool.put(conn);
            }
            Ok::<_, String>(response)
        }
        .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                drop(
                    self.tracker
                        .close(&id, self.heading(&label, &id, &Err(e.clone()))),
                );
                return door_answer(StatusCode::BAD_GATEWAY, format!("fc-local: {e}\n"));
            }
        };
        if let Some((_, client)) = upgrade {
            if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                let function = hyper::upgrade::on(&mut response);
                return self.switch(instance, response, (client, function), label, id, slot);
            }
        }
        let (mut parts, body) = response.into_parts();
        let summary = Reply {
            status: parts.status,
            version: parts.version,
            headers: parts.headers.clone(),
            body: Bytes::new(),
            elapsed: start.elapsed(),
        };
        let failed = !summary.succeeded();
        // What the client sees: the app's response without FC's own headers.
        parts.headers.retain_fc(failed);
        if let Ok(value) = HeaderValue::from_str(&id) {
            parts.headers.insert("x-fc-request-id", value);
        }
        let door = Arc::clone(self);
        // The instance counts as busy until the body has ended (see `drain`).
        let busy = Arc::clone(instance);
        let on_end = move |outcome: Option<String>| {
            drop((slot, busy));
            let mut heading = door.heading(&label, &id, &Ok(summary));
            if let Some(note) = outcome {
                heading.push_str(&door.ui.paint(Style::Yellow, &format!(" ({note})")));
            }
            drop(door.tracker.close(&id, heading));
        };
        Response::from_parts(
            parts,
            Tail {
                inner: body,
                on_end: Some(Box::new(on_end)),
            }
            .boxed(),
        )
    }

    /// The function switched protocols (`101`): the client gets the 101 as the
    /// function sent it (its `Connection`, `Upgrade` and `Sec-WebSocket-*` included,
    /// FC's own headers removed), then bytes flow both ways until either side closes
    /// or the function's timeout, as on FC. The socket is one invocation: its log is
    /// shown, and its concurrency slot held, until it ends.
    fn switch(
        self: &Arc<Self>,
        instance: &Arc<Instance>,
        response: Response<Incoming>,
        sides: (OnUpgrade, OnUpgrade),
        label: String,
        id: String,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Response<Body> {
        let (mut parts, _) = response.into_parts();
        let fc: Vec<HeaderName> = parts
            .headers
            .keys()
            .filter(|name| name.as_str().starts_with("x-fc-"))
            .cloned()
            .collect();
        for name in fc {
            parts.headers.remove(&name);
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            parts.headers.insert("x-fc-request-id", value);
        }
        let door = Arc::clone(self);
        let busy = Arc::clone(instance);
        let deadline = Duration::from_secs(instance.requests.identity().timeout_s);
        tokio::spawn(async move {
            let ended = upgrade::pipe(sides.0, sides.1, deadline).await;
            drop((slot, busy));
            let heading = upgrade::heading(&door.ui, &label, &id, &ended);
            drop(door.tracker.close(&id, heading));
        });
        Response::from_parts(parts, client::full(Bytes::new()))
    }
}

/// Removing FC's reserved headers from a forwarded response.
trait RetainFc {
    fn retain_fc(&mut self, failed: bool);
}

impl RetainFc for http::HeaderMap {
    fn retain_fc(&mut self, failed: bool) {
        let drop: Vec<HeaderName> = self
            .keys()
            .filter(|name| name.as_str().starts_with("x-fc-") || hop_by_hop(name))
            .cloned()
            .collect();
        for name in drop {
            self.remove(&name);
        }
        if failed {
            self.insert(
                "x-fc-error-type",
                HeaderValue::from_static("UnhandledInvocationError"),
            );
        }
    }
}

type OnEnd = Box<dyn FnOnce(Option<String>) + Send + Sync>;

/// A forwarded response body that reports when it ends (or is dropped unfinished),
/// so the invocation's log is shown after a streamed response, not before.
struct Tail {
    inner: Incoming,
    on_end: Option<OnEnd>,
}

impl Tail {
    fn end(&mut self, note: Option<String>) {
        if let Some(on_end) = self.on_end.take() {
            on_end(note);
        }
    }
}

impl hyper::body::Body for Tail {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match polled {
            Poll::Ready(None) => {
                self.end(None);
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                self.end(Some(format!("the response broke off: {e}")));
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(Some(Ok(frame))) => {
                if self.inner.is_end_stream() {
                    self.end(None);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let note = (!self.inner.is_end_stream()).then(|| "the client went away".to_owned());
        self.end(note);
    }
}
