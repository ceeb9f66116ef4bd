//! The tower layers fc wraps around every invocation, outermost first:
//! [`invocation`] (context, span, markers, status), [`catch_panic`], then the user's
//! own layers and the endpoint.

pub(crate) mod catch_panic;
pub(crate) mod invocation;
