//! `fc::Context` and `fc::State<T>` as axum extractors, for HTTP functions.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use crate::context::Context;
use crate::error::Failure;
use crate::state::State;

/// `fc::Context` as an axum extractor in HTTP functions.
impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.extensions.get::<Context>() {
            Some(context) => context.clone(),
            // Outside fc's stack (a router served some other way): read the headers.
            None => Context::from_headers(parts.headers.clone()),
        })
    }
}

/// Why `fc::State<T>` could not be extracted: no state of that type. Answers FC's 404.
#[derive(Debug)]
pub struct StateRejection(Failure);

impl IntoResponse for StateRejection {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// `fc::State<T>` as an axum extractor in HTTP functions: the initializer's value, or
/// one set with `App::state`.
impl<T, S> FromRequestParts<S> for State<T>
where
    T: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = StateRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Context>().and_then(Context::states) {
            Some(states) => states.get::<T>().map_err(StateRejection),
            None => Err(StateRejection(Failure::new(
                "MissingState",
                "fc::State is only available in apps served by fc",
            ))),
        }
    }
}
