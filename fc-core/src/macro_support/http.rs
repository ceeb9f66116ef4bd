//! The two forms of `#[fc::http]`: a function returning the app's `axum::Router`, or
//! one async handler taking the whole request and returning a response.

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};

/// What an `#[fc::http]` app function may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an app an `#[fc::http]` function can serve",
    label = "not an `axum::Router`",
    note = "an `#[fc::http]` function without arguments returns an `axum::Router` (call `.with_state(..)` on a router that has state)"
)]
pub trait IntoHttpApp {
    fn into_router(self) -> Router;
}

impl IntoHttpApp for Router {
    fn into_router(self) -> Router {
        self
    }
}

/// tonic services: their router answers unknown calls with `UNIMPLEMENTED`.
#[cfg(feature = "grpc")]
impl IntoHttpApp for tonic::service::Routes {
    fn into_router(self) -> Router {
        self.into_axum_router()
    }
}

/// What an `#[fc::http]` handler may return.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither an `axum::Router` nor a response",
    label = "not a response",
    note = "`#[fc::http]` goes on `fn app() -> axum::Router`, or on `async fn web(req: fc::http::Request)` returning a type that implements `axum::response::IntoResponse`"
)]
pub trait HttpResponse: IntoResponse {}
impl<T: IntoResponse> HttpResponse for T {}

/// The response of an `#[fc::http]` handler.
#[doc(hidden)]
pub fn http_response<T: HttpResponse>(value: T) -> Response {
    value.into_response()
}

/// What an `#[fc::http]` handler may take.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the argument of an `#[fc::http]` handler",
    label = "not `fc::http::Request`",
    note = "an `#[fc::http]` handler takes the whole request as `fc::http::Request`; for extractors such as `Path` or `Json`, return an `axum::Router` instead"
)]
pub trait FromHttpRequest {
    fn from_request(req: Request) -> Self;
}

impl FromHttpRequest for Request {
    fn from_request(req: Request) -> Self {
        req
    }
}

/// The argument of an `#[fc::http]` handler.
#[doc(hidden)]
pub fn http_request<T: FromHttpRequest>(req: Request) -> T {
    T::from_request(req)
}
