//! What a user reads: the human report of a configuration with several problems across
//! two files, rendered without colour at a fixed width, as a reviewed snapshot.

mod common;

use std::path::Path;

use socialform::diagnostics::{Format, render};

fn report(case: &str, format: Format) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Paths in the report are relative to the repository, as a user running from it sees them.
    std::env::set_current_dir(root).unwrap();
    // One-file cases share their folder: each is taken as a configuration on its own.
    let loaded = if Path::new(case).is_dir() {
        socialform::pipeline::validate(socialform::pipeline::load(Path::new(case)).unwrap())
    } else {
        socialform::pipeline::validate(
            socialform::pipeline::load_standalone(Path::new(case)).unwrap(),
        )
    };
    render(&loaded.diagnostics, &loaded.sources, format)
}

#[test]
fn human_report_of_a_duplicate_across_files() {
    let report = report(
        "tests/fixtures/invalid/duplicate_table",
        Format::Human {
            color: false,
            width: 100,
        },
    );
    common::bless_snapshot("render__human_report_of_a_duplicate_across_files", &report);
    insta::assert_snapshot!(report);
}

#[test]
fn human_report_of_facebook_rules() {
    let report = report(
        "tests/fixtures/invalid/facebook_rules.toml",
        Format::Human {
            color: false,
            width: 100,
        },
    );
    common::bless_snapshot("render__human_report_of_facebook_rules", &report);
    insta::assert_snapshot!(report);
}

#[test]
fn json_report_of_groups() {
    let report = report("tests/fixtures/invalid/groups.toml", Format::Json);
    common::bless_snapshot("render__json_report_of_groups", &report);
    insta::assert_snapshot!(report);
}
