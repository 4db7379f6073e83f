//! The diagnostic reference in docs/diagnostics.md is generated from the code registry;
//! this test fails when they differ and prints the text to commit.

mod common;

use socialform::diagnostics::Code;

fn reference() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Every problem socialform reports has one of these stable codes. Codes are never renamed\n\
         or reused, so CI filters can rely on them. `refs::*` codes come from the checks against\n\
         the live catalog that `plan` runs; all others come from `validate`, offline.\n\n\
         This file is generated from `src/diagnostics/codes.rs`; `cargo test --test docs` checks it.\n\n\
         | code | severity | meaning |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            code.severity().as_str(),
            code.description()
        ));
    }
    out
}

#[test]
fn diagnostic_reference_is_current() {
    common::assert_committed("docs/diagnostics.md", &reference());
}
