//! The invocation [`Context`], built from FC's `x-fc-*` request headers.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName};

use crate::header::{self, FlatHeaders, Lookup};
use crate::state::States;
use crate::trace_context::TraceContext;

/// The longest request id kept (FC's are 32 to 36 characters): every marker and log
/// line carries it, and none may exceed FC's 32 KB.
const MAX_REQUEST_ID: usize = 128;

/// What an invocation knows about itself: request id, function metadata, credentials.
///
/// Built from the request's `x-fc-*` headers; where a header is missing or empty (FC
/// sends many of them empty) the instance's environment (`FC_FUNCTION_NAME`,
/// `FC_REGION`, `ALIBABA_CLOUD_ACCESS_KEY_ID`, …) fills in. A header that is present
/// but malformed reads as `None`: nothing here ever fails or panics.
///
/// Cloning is cheap (one reference count).
///
/// ```
/// use fc::Context;
/// use fc::http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-fc-request-id", "1-67adb489-15d49184-2d4fa002fa2b".parse().unwrap());
/// headers.insert("x-fc-function-memory", "512".parse().unwrap());
/// headers.insert("x-fc-region", "".parse().unwrap()); // empty: treated as absent
///
/// let ctx = Context::from_headers(headers);
/// assert_eq!(ctx.request_id(), "1-67adb489-15d49184-2d4fa002fa2b");
/// assert_eq!(ctx.memory_mb(), Some(512));
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

struct Inner {
    request_id: Arc<str>,
    /// The request's headers. An HTTP app's are copied when its request reaches it
    /// ([`Context::copy_headers`]), in the task that runs the invocation rather than
    /// in the connection's, which reads a burst of requests at once; every other
    /// context is built with its headers.
    headers: OnceLock<Headers>,
    env: Arc<Env>,
    /// When the request arrived: the start of the function's timeout.
    arrived: Instant,
    /// `x-fc-function-timeout`, read once.
    function_timeout: Option<Duration>,
    /// `x-fc-base-path` is there (most requests have none: no lookup for them).
    base_path: bool,
    /// The instance's states, for an HTTP app's `fc::State` (in the context, which
    /// the request carries anyway, rather than in an extension of their own).
    states: Option<Arc<States>>,
}

/// A context's request headers.
enum Headers {
    /// Moved into the context: the request of an event, an initializer or a hook,
    /// which fc takes apart.
    Moved(HeaderMap),
    /// Copied from an HTTP app's request, which goes on to the app ([`FlatHeaders`]),
    /// with the `HeaderMap` that [`Context::headers`] gives, built on first use.
    Copied {
        flat: FlatHeaders,
        map: OnceLock<Box<HeaderMap>>,
    },
}

impl Lookup for Headers {
    fn every(&self, name: &HeaderName) -> impl Iterator<Item = &[u8]> {
        let (moved, copied) = match self {
            Headers::Moved(map) => (Some(map.every(name)), None),
            Headers::Copied { flat, .. } => (None, Some(flat.every(name))),
        };
        moved
            .into_iter()
            .flatten()
            .chain(copied.into_iter().flatten())
    }
}

/// What a context takes from the headers FC sends on every request, found in one
/// pass ([`header::Common`]) before the headers move into the context.
#[derive(Debug)]
pub(crate) struct Known {
    request_id: Arc<str>,
    function_timeout: Option<Duration>,
    base_path: bool,
}

impl Known {
    pub(crate) fn of(found: &header::Common<'_>) -> Self {
        let request_id = match header::text_of(found.request_id) {
            // Header values are visible ASCII, so any byte index is a char boundary.
            Some(id) => Arc::from(&id[..id.len().min(MAX_REQUEST_ID)]),
            // FC's form is ASCII: the bytes are a str.
            None => Arc::from(std::str::from_utf8(&new_request_id()).unwrap_or_default()),
        };
        Self {
            request_id,
            function_timeout: header::text_of(found.function_timeout).and_then(seconds),
            base_path: found.base_path.is_some(),
        }
    }
}

impl Context {
    /// Builds a context from request headers, with the process environment as fallback.
    ///
    /// A request id is generated when `x-fc-request-id` is missing or empty.
    pub fn from_headers(headers: HeaderMap) -> Self {
        Self::new(headers, Env::process())
    }

    pub(crate) fn new(mut headers: HeaderMap, env: Arc<Env>) -> Self {
        let known = Known::of(&header::Common::find_and_mark(&mut headers));
        Self::with(Some(headers), env, known, None)
    }

    /// A context of `headers` (credentials marked sensitive already; `None`: copied
    /// later, with [`copy_headers`](Context::copy_headers)) and what was read of them,
    /// with the instance's states for an HTTP app.
    pub(crate) fn with(
        headers: Option<HeaderMap>,
        env: Arc<Env>,
        known: Known,
        states: Option<Arc<States>>,
    ) -> Self {
        let Known {
            request_id,
            function_timeout,
            base_path,
        } = known;
        Self {
            inner: Arc::new(Inner {
                request_id,
                headers: headers.map_or_else(OnceLock::new, |h| OnceLock::from(Headers::Moved(h))),
                env,
                arrived: Instant::now(),
                function_timeout,
                base_path,
                states,
            }),
        }
    }

    /// Copies the request's `headers` into a context built without them (nothing
    /// when it has its headers already).
    pub(crate) fn copy_headers(&self, headers: &HeaderMap) {
        self.inner.headers.get_or_init(|| Headers::Copied {
            flat: FlatHeaders::copy(headers),
            map: OnceLock::new(),
        });
    }

    /// The instance's states, in an HTTP function's invocation.
    pub(crate) fn states(&self) -> Option<&Arc<States>> {
        self.inner.states.as_ref()
    }

    /// The invocation's request id (`x-fc-request-id`, at most its first 128
    /// characters); never empty: generated in FC's `1-xxxxxxxx-xxxxxxxx-xxxxxxxxxxxx`
    /// form when the header is missing.
    pub fn request_id(&self) -> &str {
        &self.inner.request_id
    }

    /// The request id, shared (for the invocation's span).
    pub(crate) fn shared_request_id(&self) -> Arc<str> {
        Arc::clone(&self.inner.request_id)
    }

    fn header(&self, name: HeaderName) -> Option<&str> {
        self.inner.headers.get()?.text(&name)
    }

    fn header_or_env<'a>(&'a self, name: HeaderName, env: &'a Option<String>) -> Option<&'a str> {
        self.header(name).or(env.as_deref())
    }

    /// The function's name (`x-fc-function-name`, else `FC_FUNCTION_NAME`).
    pub fn function_name(&self) -> Option<&str> {
        self.header_or_env(header::FUNCTION_NAME, &self.inner.env.function_name)
    }

    /// The configured handler string (`x-fc-function-handler`).
    pub fn function_handler(&self) -> Option<&str> {
        self.header(header::FUNCTION_HANDLER)
    }

    /// The service's name (`x-fc-service-name`, FC 2.0; else `FC_SERVICE_NAME`).
    pub fn service_name(&self) -> Option<&str> {
        self.header_or_env(header::SERVICE_NAME, &self.inner.env.service_name)
    }

    /// The region, e.g. `cn-hangzhou` (`x-fc-region`, else `FC_REGION`).
    pub fn region(&self) -> Option<&str> {
        self.header_or_env(header::REGION, &self.inner.env.region)
    }

    /// The account id (`x-fc-account-id`, else `FC_ACCOUNT_ID`).
    pub fn account_id(&self) -> Option<&str> {
        self.header_or_env(header::ACCOUNT_ID, &self.inner.env.account_id)
    }

    /// The alias or version invoked (`x-fc-qualifier`, else `FC_QUALIFIER`).
    pub fn qualifier(&self) -> Option<&str> {
        self.header_or_env(header::QUALIFIER, &self.inner.env.qualifier)
    }

    /// The version id (`x-fc-version-id`, else `FC_FUNCTION_VERSION` or `FC_VER_ID`).
    pub fn version_id(&self) -> Option<&str> {
        self.header_or_env(header::VERSION_ID, &self.inner.env.version_id)
    }

    /// The instance id (`FC_INSTANCE_ID`).
    pub fn instance_id(&self) -> Option<&str> {
        self.inner.env.instance_id.as_deref()
    }

    /// The function's memory in MB (`x-fc-function-memory`, else
    /// `FC_FUNCTION_MEMORY_SIZE`).
    pub fn memory_mb(&self) -> Option<u32> {
        self.header(header::FUNCTION_MEMORY)
            .and_then(|v| v.parse().ok())
            .or(self.inner.env.memory_mb)
    }

    /// The function's timeout (`x-fc-function-timeout`, in seconds).
    pub fn function_timeout(&self) -> Option<Duration> {
        self.inner.function_timeout
    }

    /// When this invocation must be done: its arrival plus
    /// [`function_timeout`](Context::function_timeout). `None` without a timeout
    /// header. fc answers FC with a timeout failure at this instant (see
    /// `App::enforce_deadline`).
    pub fn deadline(&self) -> Option<Instant> {
        self.inner.arrived.checked_add(self.function_timeout()?)
    }

    /// How long until the [`deadline`](Context::deadline); zero once it has passed.
    ///
    /// ```
    /// let mut headers = fc::http::HeaderMap::new();
    /// headers.insert("x-fc-function-timeout", "60".parse().unwrap());
    /// let ctx = fc::Context::from_headers(headers);
    /// assert!(ctx.remaining().unwrap() <= std::time::Duration::from_secs(60));
    /// assert_eq!(fc::Context::default().remaining(), None);
    /// ```
    pub fn remaining(&self) -> Option<Duration> {
        Some(self.deadline()?.saturating_duration_since(Instant::now()))
    }

    /// When the request arrived: where its timeouts count from.
    pub(crate) fn arrived(&self) -> Instant {
        self.inner.arrived
    }

    /// The initializer's timeout (`x-fc-initialization-timeout`, in seconds; FC 2.0).
    pub fn initialization_timeout(&self) -> Option<Duration> {
        seconds(self.header(header::INITIALIZATION_TIMEOUT)?)
    }

    /// How many times FC has retried this asynchronous invocation (`x-fc-retry-count`).
    pub fn retry_count(&self) -> Option<u32> {
        self.header(header::RETRY_COUNT)?.parse().ok()
    }

    /// The id of the asynchronous task this invocation runs, in async *task* mode:
    /// `x-fc-async-task-id` (FC 3.0), else `x-fc-stateful-async-invocation-id` (FC 2.0
    /// and HTTP triggers).
    ///
    /// What FC documents: the caller chooses the id (at most 128 characters) when it
    /// submits the task, FC tracks the task's state (enqueued, running, succeeded,
    /// failed, stopped) under it, and every attempt of that task runs under the same
    /// id, which makes it the key for idempotency. What it does not: that a task runs
    /// only once (retries and redelivery happen; check the id yourself before doing
    /// anything twice), nor any id for synchronous invocations or plain asynchronous
    /// invocations without task mode (`None` then).
    pub fn async_task_id(&self) -> Option<&str> {
        self.header(header::ASYNC_TASK_ID)
            .or_else(|| self.header(header::STATEFUL_ASYNC_INVOCATION_ID))
    }

    /// The address of the client that called FC (`x-fc-client-ip`), when FC sends it.
    ///
    /// FC sends it on some invocations only (it is documented for third-party
    /// integrations, not as part of the runtime contract), as text, unvalidated: use
    /// it for logs and rough decisions, not for authentication. Behind a proxy or
    /// CDN it is the proxy's address. For HTTP functions the request's own
    /// `x-forwarded-for` may say more.
    pub fn client_ip(&self) -> Option<&str> {
        self.header(header::CLIENT_IP)
    }

    /// The span context FC handed this invocation: W3C `traceparent`/`tracestate`,
    /// else FC's Jaeger header `x-fc-tracing-opentracing-span-context`; `None` when
    /// tracing is off for the function or the header is malformed. See
    /// [`TraceContext`]. With the `otel` feature, fc makes each invocation's span a
    /// child of it.
    pub fn trace_context(&self) -> Option<TraceContext> {
        TraceContext::from_lookup(self.inner.headers.get()?)
    }

    /// The SLS project the function logs to (`x-fc-service-logproject`).
    pub fn log_project(&self) -> Option<&str> {
        self.header(header::LOG_PROJECT)
    }

    /// The SLS logstore the function logs to (`x-fc-service-logstore`).
    pub fn log_store(&self) -> Option<&str> {
        self.header(header::LOG_STORE)
    }

    /// How FC asked for this request (`x-fc-control-path`: `/invoke`, `/initialize`,
    /// `/http-invoke`).
    pub fn control_path(&self) -> Option<&str> {
        self.header(header::CONTROL_PATH)
    }

    /// The prefix FC put before an HTTP function's own path (`x-fc-base-path`), e.g.
    /// `/2016-08-15/proxy/svc/fn/` on FC 2.0's default domain. fc strips it before
    /// routing; use it to build links that go back through the same door.
    pub fn base_path(&self) -> Option<&str> {
        self.inner
            .base_path
            .then(|| self.header(header::BASE_PATH))
            .flatten()
    }

    /// The temporary STS credentials of the function's role: from the request's
    /// `x-fc-access-key-*` / `x-fc-security-token` headers, else from
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`, `_SECRET` and `_SECURITY_TOKEN`. `None` when the
    /// function has no role.
    pub fn credentials(&self) -> Option<Credentials> {
        let from_headers = Credentials::new(
            self.header(header::ACCESS_KEY_ID),
            self.header(header::ACCESS_KEY_SECRET),
            self.header(header::SECURITY_TOKEN),
        );
        from_headers.or_else(|| self.inner.env.credentials.clone())
    }

    /// Every request header, for anything the accessors do not cover. Credential and
    /// authorization values are marked sensitive, so `Debug` does not print them. In an
    /// HTTP function the context keeps a flat copy of the request's headers, and builds
    /// this map from it the first time it is called.
    pub fn headers(&self) -> &HeaderMap {
        static NONE: OnceLock<HeaderMap> = OnceLock::new();
        match self.inner.headers.get() {
            Some(Headers::Moved(map)) => map,
            Some(Headers::Copied { flat, map }) => map.get_or_init(|| Box::new(flat.to_map())),
            // Only fc's own code sees a context before its headers are copied.
            None => NONE.get_or_init(HeaderMap::new),
        }
    }
}

impl Default for Context {
    /// A context with no headers: a fresh request id and the environment's values, as
    /// in a local run. Handy when calling a handler directly in a unit test.
    fn default() -> Self {
        Self::from_headers(HeaderMap::new())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header names only: values may hold user secrets the redaction list misses.
        let names: Vec<&str> = self.headers().keys().map(HeaderName::as_str).collect();
        f.debug_struct("Context")
            .field("request_id", &self.request_id())
            .field("function_name", &self.function_name())
            .field("service_name", &self.service_name())
            .field("region", &self.region())
            .field("account_id", &self.account_id())
            .field("qualifier", &self.qualifier())
            .field("version_id", &self.version_id())
            .field("memory_mb", &self.memory_mb())
            .field("function_timeout", &self.function_timeout())
            .field("remaining", &self.remaining())
            .field("retry_count", &self.retry_count())
            .field("control_path", &self.control_path())
            .field("async_task_id", &self.async_task_id())
            .field("trace_context", &self.trace_context())
            .field("credentials", &self.credentials())
            .field("header_names", &names)
            .finish()
    }
}

/// Temporary STS credentials of the function's role.
///
/// `Debug` shows the access key id but never the secret or the token.
///
/// ```
/// let creds = fc::Credentials::new(Some("STS.id"), Some("s3cret"), Some("tok")).unwrap();
/// assert_eq!(creds.access_key_secret(), "s3cret");
/// assert!(!format!("{creds:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: Option<String>,
}

impl Credentials {
    /// Credentials from their parts; `None` unless both the id and the secret are
    /// present and non-empty. An empty token counts as no token.
    pub fn new(
        access_key_id: Option<&str>,
        access_key_secret: Option<&str>,
        security_token: Option<&str>,
    ) -> Option<Self> {
        let non_empty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        Some(Self {
            access_key_id: non_empty(access_key_id)?,
            access_key_secret: non_empty(access_key_secret)?,
            security_token: non_empty(security_token),
        })
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The access key secret. Never log it.
    pub fn access_key_secret(&self) -> &str {
        &self.access_key_secret
    }

    /// The STS security token, when the credentials are temporary. Never log it.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The instance's environment, read once: the fallback for missing headers.
#[derive(Debug, Default)]
pub(crate) struct Env {
    pub(crate) function_name: Option<String>,
    pub(crate) service_name: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) account_id: Option<String>,
    pub(crate) qualifier: Option<String>,
    pub(crate) version_id: Option<String>,
    pub(crate) instance_id: Option<String>,
    pub(crate) memory_mb: Option<u32>,
    pub(crate) credentials: Option<Credentials>,
}

impl Env {
    /// The process environment, read on first use.
    pub(crate) fn process() -> Arc<Env> {
        static ENV: OnceLock<Arc<Env>> = OnceLock::new();
        ENV.get_or_init(|| Arc::new(Env::from_lookup(|k| std::env::var(k).ok())))
            .clone()
    }

    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Env {
        let var = |k: &str| get(k).filter(|v| !v.is_empty());
        Env {
            function_name: var("FC_FUNCTION_NAME"),
            service_name: var("FC_SERVICE_NAME"),
            region: var("FC_REGION"),
            account_id: var("FC_ACCOUNT_ID"),
            qualifier: var("FC_QUALIFIER"),
            version_id: var("FC_FUNCTION_VERSION").or_else(|| var("FC_VER_ID")),
            instance_id: var("FC_INSTANCE_ID"),
            memory_mb: var("FC_FUNCTION_MEMORY_SIZE").and_then(|v| v.parse().ok()),
            credentials: Credentials::new(
                var("ALIBABA_CLOUD_ACCESS_KEY_ID").as_deref(),
                var("ALIBABA_CLOUD_ACCESS_KEY_SECRET").as_deref(),
                var("ALIBABA_CLOUD_SECURITY_TOKEN").as_deref(),
            ),
        }
    }
}

/// Whole seconds, as FC sends them; anything else is `None`.
fn seconds(value: &str) -> Option<Duration> {
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// A request id in FC's own shape, `1-<unix secs>-<random>-<counter>`, unique within
/// the process and very likely across instances. Written digit by digit: an HTTP/2 or
/// gRPC call without `x-fc-request-id` pays for this on every stream, and `format!`
/// costs three times as many instructions.
pub(crate) fn generate_request_id() -> String {
    let id = new_request_id();
    String::from_utf8_lossy(&id).into_owned()
}

/// A new request id in FC's form, `1-xxxxxxxx-xxxxxxxx-xxxxxxxxxxxx`, on the stack.
fn new_request_id() -> [u8; 32] {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| RandomState::new().hash_one(std::process::id()));
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let n = seed.wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut id = *b"1-00000000-00000000-000000000000";
    id[2..10].copy_from_slice(&hex8(secs as u32));
    id[11..19].copy_from_slice(&hex8((seed >> 32) as u32));
    id[20..24].copy_from_slice(&hex8((n >> 32) as u32)[4..]);
    id[24..32].copy_from_slice(&hex8(n as u32));
    id
}

/// `value` as eight lowercase hex digits, zero-padded. Each nibble is spread to a
/// byte of its own and all eight become digits in one step, with no table and no
/// loop: a third of the instructions of a digit at a time (callgrind).
fn hex8(value: u32) -> [u8; 8] {
    let x = u64::from(value);
    // Nibble i (from the lowest) into byte i.
    let x = ((x & 0xffff_0000) << 16) | (x & 0xffff);
    let x = ((x & 0x0000_ff00_0000_ff00) << 8) | (x & 0x0000_00ff_0000_00ff);
    let x = ((x & 0x00f0_00f0_00f0_00f0) << 4) | (x & 0x000f_000f_000f_000f);
    // 1 in each byte whose nibble is 10 or more: adding 6 carries into its bit 4,
    // never into the next byte.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    // '0' + n, and 'a' - '0' - 10 = 0x27 more for a letter; the highest nibble first.
    (x + 0x3030_3030_3030_3030 + letters * 0x27).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::str as header;
    use http::HeaderValue;

    fn ctx(pairs: &[(&str, &str)], env: Env) -> Context {
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        Context::new(headers, Arc::new(env))
    }

    #[test]
    fn string_accessors_present_missing_empty() {
        type Accessor = fn(&Context) -> Option<&str>;
        let table: [(&str, Accessor); 12] = [
            (header::FUNCTION_NAME, Context::function_name),
            (header::FUNCTION_HANDLER, Context::function_handler),
            (header::SERVICE_NAME, Context::service_name),
            (header::REGION, Context::region),
            (header::ACCOUNT_ID, Context::account_id),
            (header::QUALIFIER, Context::qualifier),
            (header::VERSION_ID, Context::version_id),
            (header::LOG_PROJECT, Context::log_project),
            (header::LOG_STORE, Context::log_store),
            (header::CONTROL_PATH, Context::control_path),
            (header::BASE_PATH, Context::base_path),
            (header::REQUEST_ID, |c| Some(c.request_id())),
        ];
        for (name, get) in table {
            let present = ctx(&[(name, "value-1")], Env::default());
            assert_eq!(get(&present), Some("value-1"), "{name} present");
            let padded = ctx(&[(name, " value-2 ")], Env::default());
            assert_eq!(get(&padded), Some("value-2"), "{name} padded");
            if name == header::REQUEST_ID {
                continue;
            }
            assert_eq!(get(&ctx(&[], Env::default())), None, "{name} missing");
            assert_eq!(
                get(&ctx(&[(name, "")], Env::default())),
                None,
                "{name} empty"
            );
            let not_text = ctx(&[(name, "caf\u{e9}")], Env::default());
            assert_eq!(get(&not_text), None, "{name} not text");
        }
    }

    #[test]
    fn async_task_id_and_client_ip() {
        type Accessor = fn(&Context) -> Option<&str>;
        let task: Accessor = Context::async_task_id;
        let ip: Accessor = Context::client_ip;
        type Headers = &'static [(&'static str, &'static str)];
        let cases: [(Headers, Accessor, Option<&str>); 10] = [
            (&[(header::ASYNC_TASK_ID, "task-1")], task, Some("task-1")),
            (
                &[(header::STATEFUL_ASYNC_INVOCATION_ID, "fc2-task")],
                task,
                Some("fc2-task"),
            ),
            // FC 3.0's header wins; an empty one counts as absent.
            (
                &[
                    (header::ASYNC_TASK_ID, "new"),
                    (header::STATEFUL_ASYNC_INVOCATION_ID, "old"),
                ],
                task,
                Some("new"),
            ),
            (
                &[
                    (header::ASYNC_TASK_ID, ""),
                    (header::STATEFUL_ASYNC_INVOCATION_ID, "old"),
                ],
                task,
                Some("old"),
            ),
            (&[], task, None),
            (&[(header::ASYNC_TASK_ID, "caf\u{e9}")], task, None),
            (
                &[(header::CLIENT_IP, "203.0.113.7")],
                ip,
                Some("203.0.113.7"),
            ),
            (
                &[(header::CLIENT_IP, " 2001:db8::1 ")],
                ip,
                Some("2001:db8::1"),
            ),
            (&[(header::CLIENT_IP, "")], ip, None),
            (&[], ip, None),
        ];
        for (pairs, get, want) in cases {
            assert_eq!(get(&ctx(pairs, Env::default())), want, "{pairs:?}");
        }
    }

    #[test]
    fn trace_context_present_missing_empty_malformed() {
        const TP: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const JAEGER: &str = "1e7a9b3c5d7f9a1b:2b3c4d5e6f708192:0:1";
        type Headers = &'static [(&'static str, &'static str)];
        let cases: [(Headers, Option<(u128, u64)>); 7] = [
            (
                &[(header::TRACEPARENT, TP)],
                Some((0x0af7651916cd43dd8448eb211c80319c, 0xb7ad6b7169203331)),
            ),
            (
                &[(header::JAEGER_SPAN_CONTEXT, JAEGER)],
                Some((0x1e7a9b3c5d7f9a1b, 0x2b3c4d5e6f708192)),
            ),
            (
                &[
                    (header::TRACEPARENT, ""),
                    (header::JAEGER_SPAN_CONTEXT, JAEGER),
                ],
                Some((0x1e7a9b3c5d7f9a1b, 0x2b3c4d5e6f708192)),
            ),
            (&[], None),
            (
                &[(header::TRACEPARENT, ""), (header::JAEGER_SPAN_CONTEXT, "")],
                None,
            ),
            (&[(header::TRACEPARENT, "00-xyz-01")], None),
            (&[(header::JAEGER_SPAN_CONTEXT, "not:a:span")], None),
        ];
        for (pairs, want) in cases {
            let got = ctx(pairs, Env::default())
                .trace_context()
                .map(|t| (t.trace_id(), t.span_id()));
            assert_eq!(got, want, "{pairs:?}");
        }
    }

    #[test]
    fn numeric_accessors() {
        let cases: [(&str, &str, Option<u64>); 14] = [
            (header::FUNCTION_MEMORY, "512", Some(512)),
            (header::FUNCTION_MEMORY, "", None),
            (header::FUNCTION_MEMORY, "lots", None),
            (header::FUNCTION_MEMORY, "-1", None),
            (header::FUNCTION_MEMORY, "99999999999", None),
            (header::FUNCTION_TIMEOUT, "60", Some(60)),
            (header::FUNCTION_TIMEOUT, "1.5", None),
            (header::FUNCTION_TIMEOUT, "", None),
            (header::INITIALIZATION_TIMEOUT, "300", Some(300)),
            (header::INITIALIZATION_TIMEOUT, "x", None),
            (header::RETRY_COUNT, "2", Some(2)),
            (header::RETRY_COUNT, "0", Some(0)),
            (header::RETRY_COUNT, "two", None),
            (header::RETRY_COUNT, "", None),
        ];
        for (name, value, want) in cases {
            let c = ctx(&[(name, value)], Env::default());
            let got = match name {
                header::FUNCTION_MEMORY => c.memory_mb().map(u64::from),
                header::FUNCTION_TIMEOUT => c.function_timeout().map(|d| d.as_secs()),
                header::INITIALIZATION_TIMEOUT => c.initialization_timeout().map(|d| d.as_secs()),
                _ => c.retry_count().map(u64::from),
            };
            assert_eq!(got, want, "{name}: {value:?}");
        }
    }

    #[test]
    fn deadline_counts_from_arrival() {
        let c = ctx(&[(header::FUNCTION_TIMEOUT, "2")], Env::default());
        let deadline = c.deadline().unwrap();
        let remaining = c.remaining().unwrap();
        assert!(remaining <= Duration::from_secs(2) && remaining > Duration::from_millis(1900));
        assert!(deadline > Instant::now() + Duration::from_millis(1900));
        assert_eq!(ctx(&[], Env::default()).deadline(), None);
        assert_eq!(
            ctx(&[(header::FUNCTION_TIMEOUT, "x")], Env::default()).remaining(),
            None
        );
        let zero = ctx(&[(header::FUNCTION_TIMEOUT, "0")], Env::default());
        assert_eq!(zero.remaining(), Some(Duration::ZERO));
    }

    #[test]
    fn hex_digits_match_format() {
        let mut values = vec![0, 1, 9, 10, 15, 16, 0xabc, 0x9fa0_5b6e, u32::MAX];
        values.extend((0..32).map(|bit| 1u32 << bit));
        values.extend((0..2000u32).map(|i| i.wrapping_mul(0x9e37_79b9)));
        for value in values {
            let out = hex8(value);
            assert_eq!(std::str::from_utf8(&out).unwrap(), format!("{value:08x}"));
        }
    }

    #[test]
    fn request_id_is_generated_when_missing_or_empty() {
        for c in [
            ctx(&[], Env::default()),
            ctx(&[(header::REQUEST_ID, "")], Env::default()),
        ] {
            let id = c.request_id();
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(parts.len(), 4, "{id}");
            assert_eq!(parts[0], "1");
            assert_eq!([parts[1].len(), parts[2].len(), parts[3].len()], [8, 8, 12]);
            assert!(
                parts[1..]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
            );
        }
        assert_ne!(generate_request_id(), generate_request_id());
        let huge = "r".repeat(10_000);
        assert_eq!(
            ctx(&[(header::REQUEST_ID, &huge)], Env::default()).request_id(),
            &huge[..128]
        );
    }

    #[test]
    fn environment_fills_in_missing_headers() {
        let env = || {
            Env::from_lookup(|k| {
                let v = match k {
                    "FC_FUNCTION_NAME" => "env-fn",
                    "FC_REGION" => "cn-shanghai",
                    "FC_ACCOUNT_ID" => "123",
                    "FC_FUNCTION_MEMORY_SIZE" => "1024",
                    "FC_VER_ID" => "7",
                    "FC_INSTANCE_ID" => "c-abc",
                    "FC_SERVICE_NAME" => "",
                    "ALIBABA_CLOUD_ACCESS_KEY_ID" => "env-id",
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET" => "env-secret",
                    _ => return None,
                };
                Some(v.to_owned())
            })
        };
        let c = ctx(&[(header::REGION, "")], env());
        assert_eq!(c.function_name(), Some("env-fn"));
        assert_eq!(c.region(), Some("cn-shanghai"));
        assert_eq!(c.account_id(), Some("123"));
        assert_eq!(c.memory_mb(), Some(1024));
        assert_eq!(c.version_id(), Some("7"));
        assert_eq!(c.instance_id(), Some("c-abc"));
        assert_eq!(c.service_name(), None, "empty env var is absent");
        let creds = c.credentials().unwrap();
        assert_eq!(creds.access_key_id(), "env-id");
        assert_eq!(creds.security_token(), None);

        let c = ctx(
            &[
                (header::FUNCTION_NAME, "hdr-fn"),
                (header::FUNCTION_MEMORY, "256"),
            ],
            env(),
        );
        assert_eq!(c.function_name(), Some("hdr-fn"), "header wins");
        assert_eq!(c.memory_mb(), Some(256));
        let c = ctx(&[(header::FUNCTION_MEMORY, "junk")], env());
        assert_eq!(c.memory_mb(), Some(1024), "malformed header falls back");
    }

    #[test]
    fn credentials_from_headers_are_all_or_nothing() {
        let full = [
            (header::ACCESS_KEY_ID, "STS.id"),
            (header::ACCESS_KEY_SECRET, "sec"),
            (header::SECURITY_TOKEN, "tok"),
        ];
        let creds = ctx(&full, Env::default()).credentials().unwrap();
        assert_eq!(
            (
                creds.access_key_id(),
                creds.access_key_secret(),
                creds.security_token()
            ),
            ("STS.id", "sec", Some("tok"))
        );
        // FC 3.0 sends them empty when the function has no role.
        let empty = [
            (header::ACCESS_KEY_ID, ""),
            (header::ACCESS_KEY_SECRET, ""),
            (header::SECURITY_TOKEN, ""),
        ];
        assert_eq!(ctx(&empty, Env::default()).credentials(), None);
        let half = [(header::ACCESS_KEY_ID, "STS.id")];
        assert_eq!(ctx(&half, Env::default()).credentials(), None);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let c = ctx(
            &[
                (header::ACCESS_KEY_ID, "STS.visible-id"),
                (header::ACCESS_KEY_SECRET, "SECRET-VALUE"),
                (header::SECURITY_TOKEN, "TOKEN-VALUE"),
                ("authorization", "Bearer AUTH-VALUE"),
            ],
            Env::default(),
        );
        for text in [
            format!("{c:?}"),
            format!("{c:#?}"),
            format!("{:?}", c.credentials()),
            format!("{:?}", c.headers()),
        ] {
            for secret in ["SECRET-VALUE", "TOKEN-VALUE", "AUTH-VALUE"] {
                assert!(!text.contains(secret), "{secret} leaked in {text}");
            }
        }
        assert!(format!("{c:?}").contains("STS.visible-id"));
        assert!(format!("{c:?}").contains("<redacted>"));
    }

    /// An HTTP app's context copies the request's headers flat; every accessor reads
    /// the copy as it reads headers moved into an event's context.
    #[test]
    fn a_copy_of_an_apps_headers_reads_as_the_headers_themselves() {
        let pairs = [
            (header::REQUEST_ID, "1-67adb489-15d49184-2d4fa002fa2b"),
            (header::FUNCTION_NAME, "greeter"),
            (header::FUNCTION_HANDLER, "index.handler"),
            (header::SERVICE_NAME, ""),
            (header::REGION, " cn-hangzhou "),
            (header::ACCOUNT_ID, "1234567890"),
            (header::QUALIFIER, "LATEST"),
            (header::VERSION_ID, "caf\u{e9}"),
            (header::FUNCTION_MEMORY, "512"),
            (header::FUNCTION_TIMEOUT, "60"),
            (header::INITIALIZATION_TIMEOUT, "30"),
            (header::RETRY_COUNT, "2"),
            (header::LOG_PROJECT, "project"),
            (header::LOG_STORE, "store"),
            (header::CONTROL_PATH, "/http-invoke"),
            (header::BASE_PATH, "/2016-08-15/proxy/svc/fn/"),
            (header::ASYNC_TASK_ID, "task-1"),
            (header::CLIENT_IP, "10.0.0.1"),
            (header::ACCESS_KEY_ID, "STS.id"),
            (header::ACCESS_KEY_SECRET, "SECRET-VALUE"),
            (header::SECURITY_TOKEN, "TOKEN-VALUE"),
            (
                header::TRACEPARENT,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
            (header::TRACESTATE, "a=1"),
            (header::TRACESTATE, "b=2"),
            ("content-type", "application/grpc"),
            ("authorization", "Bearer AUTH-VALUE"),
        ];
        let mut headers = HeaderMap::new();
        for (k, v) in pairs {
            headers.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        let env = Arc::new(Env {
            service_name: Some("from-env".into()),
            ..Env::default()
        });
        let moved = Context::new(headers.clone(), Arc::clone(&env));
        // As the invocation layer builds an HTTP app's context: FC's headers read and
        // credentials marked in the request, the copy made later.
        let found = crate::header::Common::find_and_mark(&mut headers);
        let copied = Context::with(None, env, Known::of(&found), None);
        copied.copy_headers(&headers);

        type Text = fn(&Context) -> Option<&str>;
        let texts: [Text; 15] = [
            Context::function_name,
            Context::function_handler,
            Context::service_name,
            Context::region,
            Context::account_id,
            Context::qualifier,
            Context::version_id,
            Context::log_project,
            Context::log_store,
            Context::control_path,
            Context::base_path,
            Context::async_task_id,
            Context::client_ip,
            |c| Some(c.request_id()),
            |c| c.credentials().map(|_| "some"),
        ];
        for (i, text) in texts.iter().enumerate() {
            assert_eq!(text(&copied), text(&moved), "accessor {i}");
        }
        assert_eq!(copied.region(), Some("cn-hangzhou"));
        assert_eq!(copied.service_name(), Some("from-env"));
        assert_eq!(copied.version_id(), None);
        assert_eq!(copied.credentials(), moved.credentials());
        assert_eq!(copied.memory_mb(), Some(512));
        assert_eq!(
            copied.initialization_timeout(),
            moved.initialization_timeout()
        );
        assert_eq!(copied.retry_count(), Some(2));
        assert_eq!(copied.function_timeout(), moved.function_timeout());
        let trace = copied.trace_context().unwrap();
        assert_eq!(trace.trace_state(), Some("a=1,b=2"));
        assert_eq!(Some(trace), moved.trace_context());
        assert_eq!(copied.headers(), moved.headers());
        assert!(copied.headers()["authorization"].is_sensitive());
        assert!(copied.headers()[header::ACCESS_KEY_SECRET].is_sensitive());
        assert_eq!(
            format!("{:?}", copied.headers()),
            format!("{:?}", moved.headers())
        );
        let debug = format!("{copied:?}");
        assert!(
            debug.contains(r#"header_names: ["x-fc-request-id", "#),
            "{debug}"
        );
        for secret in ["SECRET-VALUE", "TOKEN-VALUE", "AUTH-VALUE"] {
            assert!(!debug.contains(secret), "{secret} leaked in {debug}");
            assert!(!format!("{:?}", copied.headers()).contains(secret));
        }
    }
}
