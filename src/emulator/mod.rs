//! Emulators of the platforms socialform writes to, served on 127.0.0.1 for tests and
//! dry runs. Each is an independent implementation of the platform's documented API:
//! its job is to catch a client that gets the API wrong.

pub mod meta;
