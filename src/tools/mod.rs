//! The tools around the cycle: they read a valid configuration and the live platform and
//! write something else than the platform (a configuration, a spreadsheet, an embed
//! code, an explanation, a page for reviewers). Nothing here prints.

pub mod explain;
pub mod export;
pub mod import;
pub mod preview;
pub mod snippet;
