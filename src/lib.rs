//! socialform: configuration-as-code for social customer care.
pub mod api;
pub mod apply;
pub mod backend;
pub mod catalog;
pub mod config;
pub mod diagnostics;
pub mod emulator;
pub mod model;
pub mod pipeline;
pub mod plan;
pub mod platform;
pub mod rules;
pub mod server;
pub mod text;
pub mod tools;
