//! The event and HTTP `src/main.rs` that `fc-local new` writes, compiled and their
//! tests run here, against this checkout of fc: one module per template, each as a
//! user's crate has it. Each trigger's is compiled and tested in the trigger table's
//! crate, fc-rs-triggers, beside its payload. (`tests/it/new.rs` builds whole generated
//! crates, for a few of them.)

#![allow(dead_code, reason = "each template's `main` is not called here")]

macro_rules! templates {
    ($($module:ident: $file:literal,)*) => {
        $(
            mod $module {
                include!(concat!("../../src/new/templates/", $file));
            }
        )*
    };
}

templates! {
    event: "event.rs",
    http: "http.rs",
}
