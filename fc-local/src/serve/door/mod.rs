//! The front door: one request in, forwarded to the current instance as FC forwards
//! it, the answer back.
//!
//! [`Door`] holds the current [`Instance`] (paused and replaced while `watch`
//! restarts the function) and sends each request down one path: [`event`] in event
//! mode, [`http`] in HTTP mode (with [`upgrade`] for a switched protocol and
//! [`tail`] for a streamed body). [`headers`] says which headers cross the door;
//! [`instance`] is one running function and its `/initialize`.

mod event;
mod headers;
mod http;
mod instance;
mod tail;
mod upgrade;

use instance::Instance;

use std::sync::Arc;
use std::time::Duration;

use ::http::header::{self, HeaderValue};
use ::http::{Request, Response, StatusCode};
use hyper::body::Incoming;
use tokio::sync::{RwLock, RwLockWriteGuard};

use crate::client::{self, Body, Reply};
use crate::function::Function;
use crate::group::{self, Tracker};
use crate::marker::Kind;
use crate::ui::Ui;

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

/// How long a request waits for the function while `watch` rebuilds and restarts it.
pub(crate) const RESTART_WAIT: Duration = Duration::from_secs(60);

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

    fn heading(&self, what: &str, id: &str, result: &Result<Reply, String>) -> String {
        group::heading(&self.ui, Kind::Invoke, what, id, result)
    }
}
