//! socialform: configuration-as-code for social customer care.
pub mod apply;
pub mod backend;
pub mod catalog;
pub mod config;
pub mod diagnostics;
pub mod emulator;
pub mod explain;
pub mod export;
pub mod import;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod preview;
pub mod rules;
pub mod server;
pub mod snippet;
pub mod text;
