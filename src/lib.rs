//! socialform: configuration-as-code for social customer care.

pub mod config;
pub mod diagnostics;
pub mod rules;
