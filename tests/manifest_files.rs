//! Loading from the file system: files, directories, and what goes wrong.

use std::fs;
use std::path::PathBuf;

use ivsctl::manifest::{load_files, render_plain};

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write a fixture");
    path
}

#[test]
fn a_directory_contributes_its_yaml_files_sorted_and_not_recursively() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write(
        dir.path(),
        "b-rooms.yml",
        "version: 1\nstack: s\nrooms:\n  lobby: {loggingConfigurations: [archive]}\n",
    );
    write(dir.path(), "a-base.yaml", "version: 1\nstack: s\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: abc}}}\n");
    write(dir.path(), "notes.txt", "not yaml: [\n");
    fs::create_dir(dir.path().join("sub")).expect("a subdirectory");
    write(&dir.path().join("sub"), "c.yaml", "this is not read: [\n");
    let m =
        load_files(&[dir.path().to_path_buf()]).unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let names: Vec<String> = m
        .files
        .iter()
        .map(|f| {
            PathBuf::from(f)
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a-base.yaml", "b-rooms.yml"]);
    assert!(m.desired.rooms.contains_key("lobby"));
    assert!(m.desired.logging_configurations.contains_key("archive"));
}

#[test]
fn files_and_directories_mix_and_a_file_named_twice_is_read_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let a = write(
        dir.path(),
        "a.yaml",
        "version: 1\nstack: s\nrooms:\n  lobby: {}\n",
    );
    let m = load_files(&[a.clone(), dir.path().to_path_buf()])
        .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    assert_eq!(m.files.len(), 1);
}

#[test]
fn a_missing_file_an_empty_directory_and_no_path_are_errors() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("missing.yaml");
    let err = load_files(&[missing]).unwrap_err();
    assert!(
        err.errors()[0].message().contains("cannot read"),
        "{}",
        render_plain(&err)
    );

    let err = load_files(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(
        err.errors()[0].message().contains("holds no manifest"),
        "{}",
        render_plain(&err)
    );

    let err = load_files(&[]).unwrap_err();
    assert!(
        err.errors()[0].message().contains("no manifest file"),
        "{}",
        render_plain(&err)
    );
}

#[test]
fn errors_of_all_files_are_reported_together_in_load_order() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let b = write(dir.path(), "b.yaml", "version: 1\nstack: s\nbogus: 1\n");
    let a = write(
        dir.path(),
        "a.yaml",
        "version: 1\nstack: s\nrooms: {x: {protect: maybe}}\n",
    );
    let err = load_files(&[b, a]).unwrap_err();
    let files: Vec<String> = err
        .errors()
        .iter()
        .map(|e| e.file_name().to_string())
        .collect();
    assert_eq!(files.len(), 2);
    assert!(
        files[0].ends_with("b.yaml") && files[1].ends_with("a.yaml"),
        "{files:?}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_an_error_at_the_bad_byte() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("latin1.yaml");
    fs::write(&path, b"version: 1\nstack: s\ntags: {city: M\xfcnchen}\n").expect("write");
    let err = load_files(&[path]).unwrap_err();
    let issue = &err.errors()[0];
    assert!(
        issue.message().contains("not valid UTF-8"),
        "{}",
        render_plain(&err)
    );
    assert_eq!(issue.line_col(), Some((3, 15)));
}
