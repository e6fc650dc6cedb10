//! The invalid-manifest corpus: every `tests/manifests/invalid/NAME.yaml` must
//! fail to load, without panicking, and render exactly as
//! `tests/manifests/invalid/NAME.stderr` (plain, 100 columns, as `--no-color`).
//! A directory `NAME/` is loaded as a workspace (several files, maybe
//! several stacks), with `NAME.stderr` next to it.
//!
//! After a deliberate change to the messages, rerun with `IVSCTL_BLESS=1` to
//! rewrite the expected files, and read the diff.

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use ivsctl::manifest::{load_files, load_workspace, render_plain, Vars};

const DIR: &str = "tests/manifests/invalid";

fn bless() -> bool {
    std::env::var_os("IVSCTL_BLESS").is_some_and(|v| v == "1")
}

fn corpus() -> Vec<PathBuf> {
    // Paths relative to the crate root (cargo runs tests there), so that the
    // file names in the rendered errors are the same on every machine.
    let mut files: Vec<PathBuf> = fs::read_dir(DIR)
        .expect("the invalid corpus directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") || p.is_dir())
        .collect();
    files.sort();
    files
}

#[test]
fn invalid_manifests_fail_with_the_expected_diagnostics() {
    let files = corpus();
    assert!(
        files.len() >= 45,
        "the corpus should hold at least 45 manifests, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for yaml in &files {
        let name = yaml.display().to_string();
        let expected_path = yaml.with_extension("stderr");
        let result = catch_unwind(AssertUnwindSafe(|| {
            if yaml.is_dir() {
                load_workspace(std::slice::from_ref(yaml), &Vars::default()).map(|_| ())
            } else {
                load_files(std::slice::from_ref(yaml)).map(|_| ())
            }
        }));
        let rendered = match result {
            Err(_) => {
                failures.push(format!("{name}: panicked"));
                continue;
            }
            Ok(Ok(_)) => {
                failures.push(format!("{name}: loaded, but should have failed"));
                continue;
            }
            Ok(Err(err)) => {
                for issue in err.errors() {
                    if issue.line_col().is_none() {
                        failures.push(format!(
                            "{name}: an error without a position: {}",
                            issue.message()
                        ));
                    }
                    if issue.help_text().is_none() {
                        failures.push(format!(
                            "{name}: an error without help: {}",
                            issue.message()
                        ));
                    }
                    if issue.code_str() == "manifest::invalid" {
                        failures.push(format!(
                            "{name}: an error without a code of its kind: {}",
                            issue.message()
                        ));
                    }
                }
                render_plain(&err)
            }
        };
        if !rendered.contains(&format!("[{name}")) {
            failures.push(format!(
                "{name}: the rendering does not name the file with a position"
            ));
        }
        if bless() {
            fs::write(&expected_path, &rendered).expect("write the expected output");
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == rendered => {}
            Ok(expected) => failures.push(format!(
                "{name}: the rendering differs from {}\n--- expected\n{expected}\n--- actual\n{rendered}",
                expected_path.display()
            )),
            Err(_) => failures.push(format!("{name}: {} is missing", expected_path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s); if the new output is right, rerun with IVSCTL_BLESS=1\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_expected_output_has_its_manifest() {
    let orphans: Vec<String> = fs::read_dir(DIR)
        .expect("the invalid corpus directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "stderr"))
        .filter(|p| {
            !Path::new(&p.with_extension("yaml")).exists() && !p.with_extension("").is_dir()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        orphans.is_empty(),
        "expected outputs without a manifest: {orphans:?}"
    );
}
