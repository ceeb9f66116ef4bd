//! [`State`]: the instance state handlers share, and the map that holds it.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crate::error::Failure;

/// Instance state shared by every invocation: the value `#[fc::initialize]` returned,
/// or one set with [`App::state`](crate::App::state).
///
/// `State<T>` dereferences to `T`; cloning it is cheap.
///
/// ```
/// struct Prices { unit: u64 }
/// let prices = fc::State::new(Prices { unit: 7 });
/// assert_eq!(prices.unit, 7);
/// ```
pub struct State<T>(Arc<T>);

impl<T> State<T> {
    /// Wraps a value, e.g. to call a handler directly in a unit test.
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }

    /// Wraps a shared value.
    pub fn from_arc(value: Arc<T>) -> Self {
        Self(value)
    }

    /// The shared value.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}

type AnyArc = Arc<dyn Any + Send + Sync>;

/// Every state value of the instance, by type: those set on the `App`, fixed at
/// start-up, and the one the initializer returns, set once. Lookups take no lock.
#[derive(Default)]
pub(crate) struct States {
    fixed: HashMap<TypeId, AnyArc>,
    initialized: OnceLock<(TypeId, AnyArc)>,
}

impl States {
    pub(crate) fn new(fixed: HashMap<TypeId, AnyArc>) -> Self {
        Self {
            fixed,
            initialized: OnceLock::new(),
        }
    }

    pub(crate) fn insert_fixed<T: Send + Sync + 'static>(
        map: &mut HashMap<TypeId, AnyArc>,
        value: T,
    ) {
        map.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// Records what the initializer returned; only the first call has an effect.
    pub(crate) fn set_initialized(&self, value: (TypeId, AnyArc)) {
        let _ = self.initialized.set(value);
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Result<State<T>, Failure> {
        let wanted = TypeId::of::<T>();
        let found = match self.initialized.get() {
            Some((id, value)) if *id == wanted => Some(value),
            _ => self.fixed.get(&wanted),
        };
        found
            .and_then(|value| Arc::clone(value).downcast::<T>().ok())
            .map(State)
            .ok_or_else(|| {
                Failure::new(
                    "MissingState",
                    format!(
                        "no instance state of type `{}`: return it from the #[fc::initialize] \
                         function or set it with App::state",
                        type_name::<T>()
                    ),
                )
            })
    }
}

/// Erases an initializer's value for [`States`].
pub(crate) fn erase<T: Send + Sync + 'static>(value: T) -> (TypeId, AnyArc) {
    (TypeId::of::<T>(), Arc::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initialized_value_and_fixed_values_are_found_by_type() {
        let mut fixed = HashMap::new();
        States::insert_fixed(&mut fixed, 5_u8);
        States::insert_fixed(&mut fixed, String::from("fixed"));
        let states = States::new(fixed);
        assert_eq!(*states.get::<u8>().unwrap(), 5);
        assert!(states.get::<u64>().is_err());

        states.set_initialized(erase(String::from("from init")));
        states.set_initialized(erase(String::from("second, ignored")));
        assert_eq!(&**states.get::<String>().unwrap(), "from init");
        assert_eq!(*states.get::<u8>().unwrap(), 5);
        let missing = states.get::<Vec<u8>>().unwrap_err();
        assert_eq!(missing.body.error_type, "MissingState");
        assert!(missing.body.error_message.contains("alloc::vec::Vec<u8>"));
    }
}
