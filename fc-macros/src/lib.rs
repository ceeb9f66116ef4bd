//! Attributes of the `fc` crate. Use them as `#[fc::invoke]` and `#[fc::initialize]`.
use proc_macro::TokenStream;

/// placeholder
#[proc_macro_attribute]
pub fn invoke(_args: TokenStream, item: TokenStream) -> TokenStream { item }
/// placeholder
#[proc_macro_attribute]
pub fn initialize(_args: TokenStream, item: TokenStream) -> TokenStream { item }
