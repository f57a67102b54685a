//! greenery with third-party crates. Nothing lives here: the crate exists for its tests and
//! examples (`tests/`, `examples/`), which depend on crates (futures, tokio, smol, ureq, the
//! `redis` client) that greenery itself must not make every user build.
#![deny(missing_docs)]
