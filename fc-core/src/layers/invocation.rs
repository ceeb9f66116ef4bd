//! The outermost layer: every request FC sends becomes an invocation with a
//! [`Context`], a span carrying its request id, FC's Start/End markers, the
//! initializer run first and the function's deadline (for invocations), a logged
//! failure report, and a status FC understands. What each of these means for each
//! kind of request is [`Kind::policy`]'s to say.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use http_body::{Frame, SizeHint};
use tower::util::Oneshot;
use tower::{Layer, Service, ServiceExt};
use tracing::Span;

use crate::context::{Context, Env, Known};
use crate::dispatch::{self, Control, Policy};
use crate::error::{Failure, Report};
use crate::grpc_status::{Code, GrpcStatus};
use crate::header;
use crate::instance::Instance;
use crate::layers::catch_panic::{CatchPanicService, panicked};
use crate::layers::{Inner, Route, Svc};
use crate::log::Output;
use crate::log::marker::MarkerGuard;
use crate::panic::{CatchUnwind, catching};
use crate::routes::BoxFuture;
use crate::upgrade::{self, Parked};

/// What every invocation needs, built once.
pub(crate) struct Shared {
    pub(crate) env: Arc<Env>,
    pub(crate) instance: Arc<Instance>,
    pub(crate) output: Output,
    /// Answer with a timeout failure at `x-fc-function-timeout`.
    pub(crate) enforce_deadline: bool,
    /// The path FC's health check gets, when `App::health_check` set one.
    pub(crate) health_path: Option<String>,
}

/// Makes every request an invocation around the inner stack.
#[derive(Clone)]
pub(crate) struct InvocationLayer {
    shared: Arc<Shared>,
}

impl InvocationLayer {
    pub(crate) fn new(shared: Shared) -> Self {
        Self {
            shared: Arc::new(shared),
        }
    }
}

impl Layer<Inner> for InvocationLayer {
    type Service = InvocationService;

    fn layer(&self, inner: Inner) -> Self::Service {
        InvocationService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// Turns requests into invocations around the endpoint (panics caught), or around
/// the user's layers and the endpoint.
#[derive(Clone)]
pub(crate) struct InvocationService {
    inner: Inner,
    shared: Arc<Shared>,
}

/// The failure FC gets when an invocation outlives the function's timeout.
fn timed_out(context: &Context) -> Failure {
    let seconds = context.function_timeout().map_or(0, |d| d.as_secs());
    Failure::new(
        "FunctionTimeout",
        format!("the invocation did not finish within the function's timeout of {seconds} s"),
    )
    .with_grpc_code(Code::DeadlineExceeded)
}

/// The failure FC gets when the initializer an invocation runs first outlives the
/// function's timeout.
fn init_timed_out(context: &Context) -> Failure {
    let seconds = context.function_timeout().map_or(0, |d| d.as_secs());
    Failure::new(
        "FunctionTimeout",
        format!(
            "the initializer did not finish within the function's timeout of {seconds} s; \
             it keeps running, and the next invocation waits for it"
        ),
    )
    .with_grpc_code(Code::DeadlineExceeded)
}

impl Service<Request> for InvocationService {
    // The body goes to hyper as it is: no second box around the endpoint's.
    type Response = Response<InvocationBody>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Response<InvocationBody>, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        // The user's layers are driven to readiness per request by `Oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        Box::pin(self.invoke(req, Default::default()))
    }
}

impl InvocationService {
    /// [`Service::call`] without `&mut self`: what the connection's service calls
    /// for each request, with no clone of the stack. The connection spawns the
    /// future as it is: no box around it, and none around the endpoint's future
    /// inside it (unless the user added layers).
    pub(crate) fn invoke(
        &self,
        mut req: Request,
        count: AnswerCount,
    ) -> impl Future<Output = Result<Response<InvocationBody>, Infallible>> + Send + 'static + use<>
    {
        // FC's headers that every request needs, in one pass that also marks the
        // credentials sensitive wherever the headers go next.
        let found = header::Common::find_and_mark(req.headers_mut());
        let control = Control::of(header::text_of(found.control_path));
        let (grpc, known) = (found.grpc, Known::of(&found));
        let kind = dispatch::classify_by(
            req.method(),
            req.uri().path(),
            control,
            grpc,
            self.shared.health_path.as_deref(),
        );
        let policy = kind.policy();
        // A request for the HTTP app reaches it as it came, so its context reads a
        // copy of the headers, made where the request reaches the app (in the
        // invocation's own task, not in the connection's: `HttpFunction::forward_to`)
        // or before the user's layers. Any other request's headers (FC's own) move
        // into the context: no copy; layers read them with `Context::headers`.
        let headers = (!policy.keeps_headers).then(|| std::mem::take(req.headers_mut()));
        // An HTTP app reads the instance's states through its context.
        let states = policy
            .keeps_headers
            .then(|| Arc::clone(&self.shared.instance.states));
        let context = Context::with(headers, Arc::clone(&self.shared.env), known, states);
        // ERROR level so that no RUST_LOG filter drops the span and, with it, the
        // request id on the user's own log lines. A root: an invocation belongs to no
        // span of the connection's (and the registry need not look one up).
        let span = crate::log::invocation_span(
            context.shared_request_id(),
            || tracing::error_span!(parent: None, crate::log::SPAN_NAME, request_id = context.request_id()),
        );
        // With `otel`: the invocation's OpenTelemetry span, a child of FC's.
        #[cfg(feature = "otel")]
        let trace = crate::otel::InvocationTrace::start(
            &req,
            &context,
            policy,
            &self.shared.instance,
            span.clone(),
        );
        // Where a `101 Switching Protocols` parks the invocation (`upgrade`); only on
        // requests that ask for an upgrade.
        let slot = req.extensions_mut().remove::<upgrade::Slot>();
        let route = self.inner.route(kind);
        let layered = matches!(route, Route::Layered(_));
        let needs_init = policy.invocation && self.shared.instance.needs_init();
        // The user's layers and the initializer read the context before the app does:
        // its headers are copied for them now.
        if layered || needs_init {
            context.copy_headers(req.headers());
        }
        // The user's layers read the kind and the context from the extensions. The
        // endpoint gets both as arguments, and puts the context in the extensions of
        // an HTTP app's request itself (`HttpFunction::forward_to`), where the app
        // reads it (`fc::grpc::RequestExt`, the `Context` extractor).
        if layered {
            req.extensions_mut().insert(kind);
            req.extensions_mut().insert(context.clone());
        }
        let deadline = context
            .deadline()
            .filter(|_| policy.invocation && self.shared.enforce_deadline);
        // An invocation before any /initialize: the initializer first, within the
        // invocation's deadline (the run goes on without it). Boxed: a path taken
        // once per instance stays out of every invocation's future.
        let init = needs_init.then(|| {
            let (instance, context) = (Arc::clone(&self.shared.instance), context.clone());
            let init = async move { instance.ensure_initialized(&context).await };
            Box::pin(Deadline::new(init, deadline)) as BoxFuture<_>
        });
        let call = match route {
            Route::Endpoint(endpoint) => Call::Endpoint {
                answer: CatchUnwind::new(endpoint.answer(kind, context.clone(), req)),
            },
            Route::Layered(layers) => Call::Layered {
                oneshot: layers.oneshot(req),
            },
        };
        let future = Invocation {
            call: Some(Deadline::new(call, deadline)),
            init,
            guard: None,
            started: false,
            context,
            output: self.shared.output.clone(),
            policy,
            slot,
            deadline,
        };
        let future = InSpan::new(future, span, count);
        // With `otel`: the span ends and is exported before the response leaves.
        #[cfg(feature = "otel")]
        let future = trace.run(Box::pin(future));
        future
    }
}

/// The invocation's count among its HTTP/2 connection's answers, which decides when
/// the connection writes (`coalesce`); kept by the invocation's outermost future, so
/// that no wrapper moves the future once more. Nothing without HTTP/2.
#[cfg(feature = "http2")]
pub(crate) type AnswerCount = Option<crate::coalesce::Count>;
#[cfg(not(feature = "http2"))]
#[derive(Default)]
pub(crate) struct AnswerCount;

/// What an invocation's future comes to: the response, and what its body keeps.
struct Outcome {
    response: Response,
    guard: Option<MarkerGuard>,
    /// A gRPC call's context, for the trailers that end its stream on a panic.
    grpc: Option<Context>,
    policy: Policy,
}

pin_project_lite::pin_project! {
    /// The invocation's future in its span, entered while the future is polled and
    /// while it is dropped (as tracing's `Instrumented` does). The span then moves
    /// to the response body when that body runs code of the app's: it is not
    /// cloned, nor looked up again.
    struct InSpan<F> {
        #[pin]
        inner: Option<F>,
        span: Option<Span>,
        count: AnswerCount,
    }

    impl<F> PinnedDrop for InSpan<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            let _entered = this.span.as_ref().map(Span::enter);
            this.inner.set(None);
        }
    }
}

impl<F> InSpan<F> {
    fn new(inner: F, span: Span, count: AnswerCount) -> Self {
        Self {
            inner: Some(inner),
            span: Some(span),
            count,
        }
    }
}

impl<F: Future<Output = Outcome>> Future for InSpan<F> {
    type Output = Result<Response<InvocationBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let outcome = {
            let _entered = this.span.as_ref().map(Span::enter);
            let Some(inner) = this.inner.as_mut().as_pin_mut() else {
                return Poll::Pending;
            };
            #[cfg(feature = "http2")]
            let polled = crate::coalesce::poll_counted(this.count, || inner.poll(cx));
            #[cfg(not(feature = "http2"))]
            let polled = inner.poll(cx);
            ready!(polled)
        };
        this.inner.set(None);
        Poll::Ready(Ok(InvocationBody::wrap(outcome, this.span.take())))
    }
}

/// The invocation's deadline passed.
struct TimedOut;

pin_project_lite::pin_project! {
    /// A future under an optional deadline, as one type that is built where it is
    /// awaited. Its timer is made only when the future first waits: an invocation
    /// answered in its first poll (FC sends every request with the function's timeout)
    /// never takes a handle on the runtime's timers, nor gives one back.
    #[project = DeadlineProjection]
    enum Deadline<F> {
        Bounded {
            #[pin]
            inner: F,
            at: tokio::time::Instant,
            // Polled outside the task's cooperative budget, as tokio's `Timeout` does
            // once the future has used it up: a future that always uses it up still
            // meets its deadline.
            #[pin]
            timer: Option<tokio::task::Unconstrained<tokio::time::Sleep>>,
        },
        Unbounded { #[pin] inner: F },
    }
}

impl<F: Future> Deadline<F> {
    fn new(inner: F, deadline: Option<std::time::Instant>) -> Self {
        match deadline {
            Some(at) => Self::Bounded {
                inner,
                at: at.into(),
                timer: None,
            },
            None => Self::Unbounded { inner },
        }
    }
}

impl<F: Future> Future for Deadline<F> {
    type Output = Result<F::Output, TimedOut>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project() {
            DeadlineProjection::Bounded {
                inner,
                at,
                mut timer,
            } => {
                // The future first, as tokio's `Timeout`: an answer ready at the
                // deadline still goes.
                if let Poll::Ready(output) = inner.poll(cx) {
                    return Poll::Ready(Ok(output));
                }
                if timer.is_none() {
                    let sleep = tokio::time::sleep_until(*at);
                    timer.set(Some(tokio::task::unconstrained(sleep)));
                }
                match timer.as_pin_mut() {
                    Some(timer) => timer.poll(cx).map(|()| Err(TimedOut)),
                    None => Poll::Pending,
                }
            }
            DeadlineProjection::Unbounded { inner } => inner.poll(cx).map(Ok),
        }
    }
}

pin_project_lite::pin_project! {
    /// The endpoint's answer to a request, or the user's layers': `Err` when either
    /// panicked, while called, polled or dropped.
    #[project = CallProjection]
    enum Call<A> {
        Endpoint { #[pin] answer: CatchUnwind<A> },
        Layered { #[pin] oneshot: Oneshot<CatchPanicService<Svc>, Request> },
    }
}

impl<A: Future<Output = Response>> Future for Call<A> {
    type Output = Result<Response, ()>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project() {
            CallProjection::Endpoint { answer } => answer.poll(cx),
            CallProjection::Layered { oneshot } => oneshot.poll(cx).map(|result| match result {
                Ok(response) => Ok(response),
                Err(never) => match never {},
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// One invocation under way: the initializer first when the instance has not run
    /// it, then the call under the deadline, after the Start marker. Written out
    /// rather than an `async` block, which kept the request once more and the call's
    /// future twice.
    struct Invocation<A> {
        // Dropped as soon as it is done or its deadline passed (it stops at its next
        // await), inside the span the invocation is polled in.
        #[pin]
        call: Option<Deadline<Call<A>>>,
        init: Option<BoxFuture<Result<Result<(), Failure>, TimedOut>>>,
        guard: Option<MarkerGuard>,
        started: bool,
        context: Context,
        output: Output,
        policy: Policy,
        slot: Option<upgrade::Slot>,
        deadline: Option<std::time::Instant>,
    }
}

impl<A: Future<Output = Response>> Future for Invocation<A> {
    type Output = Outcome;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Outcome> {
        let mut this = self.project();
        let policy = *this.policy;
        if let Some(init) = this.init.as_mut() {
            let result = ready!(init.as_mut().poll(cx));
            *this.init = None;
            let result = result.unwrap_or_else(|TimedOut| Err(init_timed_out(this.context)));
            if let Err(failure) = result {
                this.call.set(None);
                let guard = policy.marker.map(|m| m.start(this.context, this.output));
                return Poll::Ready(Outcome {
                    response: finish(policy, failure.into_response()),
                    guard,
                    grpc: None,
                    policy,
                });
            }
        }
        if !std::mem::replace(this.started, true) {
            *this.guard = policy.marker.map(|m| m.start(this.context, this.output));
        }
        let Some(call) = this.call.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let result = ready!(call.poll(cx));
        this.call.set(None);
        let response = match result {
            Ok(Ok(response)) => response,
            Ok(Err(())) => panicked(Some(this.context)),
            Err(TimedOut) => timed_out(this.context).into_response(),
        };
        let response = finish(policy, response);
        // A `101 Switching Protocols` (only a forwarded response keeps one) hands the
        // connection to the app: the invocation lasts until the socket closes, so
        // its End marker and span stay with the connection.
        let guard = match this.slot.take() {
            Some(slot) if response.status() == StatusCode::SWITCHING_PROTOCOLS => {
                let deadline = this.deadline.map(Into::into);
                slot.park(Parked::new(
                    this.guard.take(),
                    Span::current(),
                    this.context.clone(),
                    deadline,
                ));
                None
            }
            _ => this.guard.take(),
        };
        Poll::Ready(Outcome {
            response,
            guard,
            grpc: policy.grpc.then(|| this.context.clone()),
            policy,
        })
    }
}

/// Logs the failure report, if any, and makes the status one FC understands: a
/// failure is 404 with `x-fc-status: 404` (a gRPC call's is its gRPC status, on HTTP
/// 200, with `x-fc-status: 404`); where the policy says the response's own status
/// counts (an HTTP function's app, the health check), it passes through with
/// `x-fc-status: 200`; anything else answers 200 or 404. The one writer of
/// `x-fc-status`.
fn finish(policy: Policy, mut response: Response) -> Response {
    let report = response.extensions().get::<Report>().cloned();
    if let Some(report) = &report {
        tracing::error!("{}", report.log);
    }
    let failed = report.is_some();
    let status = response.status();
    let ok = if failed {
        false
    } else if policy.own_status {
        true
    } else {
        if status != StatusCode::OK {
            tracing::error!("a layer answered {status}; FC is told 404");
        }
        status == StatusCode::OK
    };
    match report {
        // A gRPC client reads a failure from `grpc-status`, on HTTP 200.
        Some(report) if policy.grpc => response = report.grpc.into_response(),
        _ if !policy.own_status || failed => {
            *response.status_mut() = if ok {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
        }
        _ => {}
    }
    // Constants: no check of the text on every response.
    const OK: HeaderValue = HeaderValue::from_static("200");
    const FAILED: HeaderValue = HeaderValue::from_static("404");
    response
        .headers_mut()
        .insert(header::STATUS, if ok { OK } else { FAILED });
    response
}

/// How long the end of a response waits for its End marker when stdout is backed
/// up (the marker waits in a queue): the instance may freeze once the response is
/// out, and the marker should be in the pipe before. Once a wait times out, no
/// response waits until the writer gets a line out again: a stopped reader costs
/// one response this much, not every one.
const END_MARKER_WAIT: Duration = Duration::from_millis(100);

/// A response body that belongs to an invocation: it is polled inside the
/// invocation's span (a streaming body's log lines carry the request id), a panic
/// while producing it ends the response instead of the connection task (a gRPC
/// call's with `INTERNAL` in its trailers), and the End marker is printed when the
/// body is finished or dropped, not when the headers go. When stdout is backed up,
/// the body's last frame waits (up to [`END_MARKER_WAIT`]) until the End marker is
/// written.
pub(crate) struct InvocationBody {
    inner: Body,
    /// The invocation's span, entered while the body is polled; none for a body fc
    /// made whole (an event function's or a hook's answer), which logs nothing.
    span: Option<Span>,
    guard: Option<MarkerGuard>,
    /// A gRPC call's request id, for the trailers that end its stream on a panic.
    grpc: Option<Context>,
    /// The body panicked and its last frame went out.
    done: bool,
    /// Waiting for the End marker to be written, before `held` (the last frame)
    /// or the end of the body.
    ending: Ending,
    held: Option<Frame<Bytes>>,
}

/// The end of the body waiting for its End marker.
type Ending = Option<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// Waits for the End marker, then gives the held frame, or the end.
fn poll_ending(
    ending: &mut Ending,
    held: &mut Option<Frame<Bytes>>,
    cx: &mut TaskContext<'_>,
) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
    if let Some(wait) = ending.as_mut() {
        ready!(wait.as_mut().poll(cx));
        *ending = None;
    }
    Poll::Ready(held.take().map(Ok))
}

/// Prints the End marker; when it had to be queued behind a slow stdout, the wait
/// for it to be written (bounded).
fn end_marker(guard: MarkerGuard) -> Ending {
    let output = guard.output().clone();
    let ticket = guard.end()?;
    Some(Box::pin(async move {
        output.written(ticket, END_MARKER_WAIT).await;
    }))
}

impl InvocationBody {
    fn wrap(outcome: Outcome, span: Option<Span>) -> Response<InvocationBody> {
        let Outcome {
            response,
            guard,
            grpc,
            policy,
        } = outcome;
        // A body of the app's own, or one a user's layer made that streams, runs code
        // of theirs as it is polled: its log lines need the request id. Any other
        // body drops the span here.
        let streams = policy.keeps_headers || response.body().size_hint().exact().is_none();
        let span = span.filter(|_| streams);
        response.map(|inner| InvocationBody {
            inner,
            span,
            guard,
            grpc,
            done: false,
            ending: None,
            held: None,
        })
    }

    /// Stdout is backed up: the End marker must be waited for.
    fn backed_up(&self) -> bool {
        self.guard.as_ref().is_some_and(|g| g.output().backed_up())
    }
}

impl HttpBody for InvocationBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        if this.ending.is_some() {
            return poll_ending(&mut this.ending, &mut this.held, cx);
        }
        if this.done {
            return Poll::Ready(None);
        }
        let _entered = this.span.as_ref().map(Span::enter);
        let inner = &mut this.inner;
        match catching(|| Pin::new(inner).poll_frame(cx)) {
            Ok(Poll::Ready(None)) => {
                if let Some(guard) = this.guard.take() {
                    this.ending = end_marker(guard);
                }
                poll_ending(&mut this.ending, &mut this.held, cx)
            }
            // The last frame, with stdout backed up: it waits for the End marker.
            Ok(Poll::Ready(Some(Ok(frame)))) if this.backed_up() && this.inner.is_end_stream() => {
                if let Some(guard) = this.guard.take() {
                    this.ending = end_marker(guard);
                }
                this.held = Some(frame);
                poll_ending(&mut this.ending, &mut this.held, cx)
            }
            Ok(poll) => poll,
            Err(_panic) => {
                this.guard.take();
                this.done = true;
                match &this.grpc {
                    // The stream ends with the status a panic gets, in its trailers.
                    Some(context) => {
                        let failure = Failure::panic(context.request_id());
                        let status = GrpcStatus {
                            code: failure.grpc_code,
                            message: Arc::from(failure.body.error_message),
                        };
                        let mut trailers = http::HeaderMap::new();
                        status.write(&mut trailers);
                        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                    }
                    None => Poll::Ready(Some(Err(axum::Error::new("the response body panicked")))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
            || (self.ending.is_none()
                && self.held.is_none()
                && self.inner.is_end_stream()
                && !self.backed_up())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::Kind;

    #[tokio::test]
    async fn a_deadline_holds_a_future_that_waits_and_lets_a_ready_one_go() {
        let past = Some(std::time::Instant::now() - Duration::from_secs(1));
        // Ready in its first poll: its answer goes, as with tokio's `Timeout`, and no
        // timer is made.
        assert!(matches!(Deadline::new(async { 7 }, past).await, Ok(7)));
        let soon = Some(std::time::Instant::now() + Duration::from_millis(20));
        let waits = Deadline::new(std::future::pending::<()>(), soon);
        assert!(matches!(waits.await, Err(TimedOut)));
        let unbounded = Deadline::new(async { 8 }, None);
        assert!(matches!(unbounded.await, Ok(8)));
    }

    /// A future that always uses up the task's cooperative budget still meets its
    /// deadline: the timer is polled outside the budget.
    #[tokio::test]
    async fn a_deadline_holds_a_future_that_uses_up_its_budget() {
        let busy = async {
            loop {
                tokio::task::consume_budget().await;
            }
        };
        let soon = Some(std::time::Instant::now() + Duration::from_millis(20));
        let limited = tokio::time::timeout(Duration::from_secs(10), Deadline::new(busy, soon));
        assert!(matches!(limited.await, Ok(Err(TimedOut))));
    }

    #[test]
    fn failures_are_404_with_fc_status_404() {
        for kind in [Kind::Invoke, Kind::Http, Kind::Initialize, Kind::PreStop] {
            let response = finish(
                kind.policy(),
                Failure::new("InvalidEvent", "bad").into_response(),
            );
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{kind:?}");
            assert_eq!(response.headers()[header::STATUS], "404", "{kind:?}");
        }
    }

    #[test]
    fn grpc_failures_are_grpc_statuses_on_200_with_fc_status_404() {
        let late =
            Failure::new("FunctionTimeout", "too late").with_grpc_code(Code::DeadlineExceeded);
        let response = finish(Kind::Grpc.policy(), late.into_response());
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::STATUS], "404");
        assert_eq!(headers["grpc-status"], "4");
        assert_eq!(headers["grpc-message"], "too late");
        assert_eq!(headers["content-type"], "application/grpc");
        assert_eq!(response.body().size_hint().exact(), Some(0));

        let panic = finish(Kind::Grpc.policy(), Failure::panic("req-9").into_response());
        assert_eq!(panic.headers()["grpc-status"], "13");
        assert!(
            panic.headers()["grpc-message"]
                .to_str()
                .unwrap()
                .contains("req-9")
        );

        // The app's own answer, gRPC status and all, passes through.
        let fine = finish(Kind::Grpc.policy(), Response::new(Body::empty()));
        assert_eq!(fine.status(), StatusCode::OK);
        assert_eq!(fine.headers()[header::STATUS], "200");
        assert!(fine.headers().get("grpc-status").is_none());
    }

    #[test]
    fn an_apps_own_status_passes_through_with_fc_status_200() {
        let teapot = || {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::IM_A_TEAPOT;
            response
        };
        let http = finish(Kind::Http.policy(), teapot());
        assert_eq!(http.status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(http.headers()[header::STATUS], "200");
        let event = finish(Kind::Invoke.policy(), teapot());
        assert_eq!(event.status(), StatusCode::NOT_FOUND);
        assert_eq!(event.headers()[header::STATUS], "404");
        let fine = finish(Kind::Invoke.policy(), Response::new(Body::empty()));
        assert_eq!(fine.status(), StatusCode::OK);
        assert_eq!(fine.headers()[header::STATUS], "200");
    }
}
