//! What `#[fc::initialize]` and the lifecycle hooks return: the instance state, and
//! the hooks' `()`.

use std::any::TypeId;

use crate::error::Fail;
use crate::routes::AnyArc;
use crate::state;

/// Types an initializer may return as the instance state.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the instance state an `#[fc::initialize]` function returns",
    label = "not `Send + Sync + 'static`",
    note = "invocations run concurrently on several threads and share the state: use `Arc` rather than `Rc`, `Mutex` or `RwLock` rather than `RefCell`, and owned data"
)]
pub trait InstanceState: Send + Sync + 'static {}
impl<T: Send + Sync + 'static> InstanceState for T {}

/// Keeps what an initializer returned as the instance state.
#[doc(hidden)]
pub fn keep_state<T: InstanceState>(value: T) -> Result<(TypeId, AnyArc), Fail> {
    Ok(state::erase(value))
}

/// What a lifecycle hook may return (after `Result` is split off).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a lifecycle hook",
    label = "not `()`",
    note = "`#[fc::pre_stop]` and `#[fc::pre_freeze]` functions return `()` or `Result<(), E>`"
)]
pub trait HookOutput {}
impl HookOutput for () {}

/// A hook's success.
#[doc(hidden)]
pub fn hook_done<T: HookOutput>(_: T) -> Result<(), Fail> {
    Ok(())
}
