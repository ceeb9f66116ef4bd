//! FC's health check (`healthCheckConfig.httpGetUrl`): fc answers the configured path
//! itself, without markers, at once, and never behind a running initializer.
//!
//! 200 when the instance can serve: the initializer succeeded, is absent, or has not
//! run yet (the first invocation runs it); the HTTP function's app is built; and the
//! user's own check, if any, passes. 503 with the reason while the initializer runs,
//! after it failed, while the HTTP app's builder runs (when no request has started
//! it, the first check does, in the background, and waits up to half a second for
//! it), after it panicked (the next check starts it again), or when the user's check fails, panics or takes longer than
//! [`CHECK_TIMEOUT`] (FC's own timeout is at most 3 s).
//!
//! The health check and the lifecycle hooks are answered beneath fc's invocation
//! layer but before the user's own layers (`App::layer`): a concurrency limit there
//! does not queue FC's probe behind invocations.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};

use crate::error::Error;
use crate::http_function::{Build, HttpFunction};
use crate::instance::{Instance, Readiness};
use crate::panic::CatchUnwind;
use crate::routes::BoxFuture;
use crate::state::{State, States};

/// The path the deploy templates configure for FC's health check.
pub const DEFAULT_HEALTH_PATH: &str = "/healthz";

/// How long fc waits for the user's check before answering 503.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// What a user's health check gets: the instance state, as handlers get it.
///
/// ```no_run
/// struct Db;
/// impl Db {
///     async fn ping(&self) -> Result<(), std::io::Error> { Ok(()) }
/// }
///
/// #[fc::initialize]
/// async fn init() -> Result<Db, fc::Error> {
///     Ok(Db)
/// }
///
/// # #[fc::invoke] async fn handle(e: String) -> String { e }
/// fn main() {
///     let app = fc::App::from(fc::routes![init, handle]).health_check_with(
///         fc::DEFAULT_HEALTH_PATH,
///         |probe: fc::HealthProbe| async move {
///             probe.state::<Db>()?.ping().await?;
///             Ok(())
///         },
///     );
///     fc::run(app);
/// }
/// ```
#[derive(Clone)]
pub struct HealthProbe {
    states: Arc<States>,
}

impl std::fmt::Debug for HealthProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthProbe").finish_non_exhaustive()
    }
}

impl HealthProbe {
    /// The instance state of type `T`: what the initializer returned, or what
    /// `App::state` set.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<State<T>, Error> {
        self.states
            .get::<T>()
            .map_err(|failure| Error::new(failure.body.error_message))
    }
}

/// A user's check, erased.
pub(crate) type CheckFn = dyn Fn(HealthProbe) -> BoxFuture<Result<(), Error>> + Send + Sync;

/// The configured health check.
pub(crate) struct HealthCheck {
    pub(crate) path: String,
    check: Option<Arc<CheckFn>>,
}

impl HealthCheck {
    pub(crate) fn new(path: String) -> Self {
        Self { path, check: None }
    }

    pub(crate) fn with<F, Fut>(path: String, check: F) -> Self
    where
        F: Fn(HealthProbe) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        Self {
            path,
            check: Some(Arc::new(move |probe| Box::pin(check(probe)))),
        }
    }

    /// The answer to FC's `GET <path>`.
    pub(crate) async fn answer(
        &self,
        instance: &Instance,
        http: Option<&HttpFunction>,
    ) -> Response {
        match self.verdict(instance, http).await {
            Ok(()) => reply(StatusCode::OK, "ready".to_owned()),
            Err(reason) => {
                tracing::warn!("health check: not ready: {reason}");
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("not ready: {reason}"),
                )
            }
        }
    }

    async fn verdict(
        &self,
        instance: &Instance,
        http: Option<&HttpFunction>,
    ) -> Result<(), String> {
        match instance.readiness() {
            Readiness::Ready => {}
            Readiness::Initializing => return Err("the initializer is running".to_owned()),
            Readiness::Failed(reason) => return Err(format!("the initializer failed: {reason}")),
        }
        if let Some(http) = http {
            match http.build().await {
                Build::Ready => {}
                Build::Running => return Err("the HTTP app is being built".to_owned()),
                Build::Failed(reason) => return Err(reason),
            }
        }
        let Some(check) = &self.check else {
            return Ok(());
        };
        let probe = HealthProbe {
            states: Arc::clone(&instance.states),
        };
        let run = CatchUnwind::new(check(probe));
        match tokio::time::timeout(CHECK_TIMEOUT, run).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(error))) => Err(error.to_string()),
            Ok(Err(())) => Err("the health check panicked".to_owned()),
            Err(_) => Err(format!(
                "the health check did not answer within {} s",
                CHECK_TIMEOUT.as_secs()
            )),
        }
    }
}

fn reply(status: StatusCode, text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
