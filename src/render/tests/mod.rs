//! Renderer tests: snapshots of each format on the same plans (fixtures),
//! plus the format contracts asserted directly.

mod docs;
mod fixtures;
mod human;
mod json;
mod markdown;
mod report;
mod report_fixtures;
mod value;

use super::{render_plan, Format, RenderOptions};
use crate::plan::Plan;

/// Renders into memory, as the CLI renders into stdout.
fn render(plan: &Plan, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    render_plan(
        plan,
        format,
        &RenderOptions {
            color,
            ..RenderOptions::default()
        },
        &mut out,
    )
    .expect("render");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        assert_eq!(f.to_string(), f.as_str());
    }
    let err = "yaml".parse::<Format>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown format `yaml`: expected human, json or markdown"
    );
}

#[test]
fn output_is_deterministic() {
    let plan = fixtures::everything();
    for f in Format::ALL {
        for color in [false, true] {
            assert_eq!(render(&plan, f, color), render(&plan, f, color), "{f}");
        }
    }
}

#[test]
fn only_human_output_is_ever_coloured() {
    let plan = fixtures::everything();
    for f in [Format::Json, Format::Markdown] {
        assert_eq!(render(&plan, f, true), render(&plan, f, false), "{f}");
    }
}

/// Every format survives a live tag value carrying a terminal escape: no
/// ESC byte and no raw newline from the value reach the output.
#[test]
fn account_text_cannot_inject_escapes() {
    let plan = fixtures::hostile_tags();
    for f in Format::ALL {
        let out = render(&plan, f, false);
        assert!(!out.contains('\u{1b}'), "{f}:\n{out}");
        assert!(!out.contains("red\nline"), "{f}:\n{out}");
    }
}
