//! Loading from the file system: files, directories, and what goes wrong.

use std::fs;
use std::path::PathBuf;

use ivsctl::manifest::{load_files, load_workspace, render_plain, Vars};

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write a fixture");
    path
}

#[test]
fn a_directory_contributes_the_yaml_files_of_its_tree_sorted() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write(
        dir.path(),
        "b-rooms.yml",
        "version: 1\nstack: s\nrooms:\n  lobby: {loggingConfigurations: [archive]}\n",
    );
    write(dir.path(), "a-base.yaml", "version: 1\nstack: s\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: abc}}}\n");
    write(dir.path(), "notes.txt", "not yaml: [\n");
    fs::create_dir(dir.path().join("sub")).expect("a subdirectory");
    write(
        &dir.path().join("sub"),
        "c.yaml",
        "version: 1\nstack: s\nrooms:\n  support: {}\n",
    );
    // Hidden entries (`.github/`, editor files) are skipped.
    fs::create_dir(dir.path().join(".hidden")).expect("a hidden directory");
    write(
        &dir.path().join(".hidden"),
        "x.yaml",
        "this is not read: [\n",
    );
    write(dir.path(), ".swap.yaml", "this is not read: [\n");
    let m =
        load_files(&[dir.path().to_path_buf()]).unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let names: Vec<String> = m
        .files
        .iter()
        .map(|f| {
            PathBuf::from(f)
                .strip_prefix(dir.path())
                .expect("under the directory")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, ["a-base.yaml", "b-rooms.yml", "sub/c.yaml"]);
    assert!(m.desired.rooms.contains_key("lobby") && m.desired.rooms.contains_key("support"));
    assert!(m.desired.logging_configurations.contains_key("archive"));
}

#[test]
fn a_directory_tree_of_three_stacks_is_a_workspace_of_three() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();
    for sub in ["shared", "apps/chat", "apps/support"] {
        fs::create_dir_all(root.join(sub)).expect("directories");
    }
    write(&root.join("shared"), "logging.yaml", "version: 1\nstack: shared\nregion: us-west-2\nloggingConfigurations:\n  archive: {destination: {s3: {bucketName: chat-logs}}}\n");
    write(&root.join("apps/chat"), "a.yaml", "version: 1\nstack: chat\nregion: us-west-2\nrooms:\n  lobby: {loggingConfigurations: [shared/archive]}\n");
    write(
        &root.join("apps/chat"),
        "b.yaml",
        "version: 1\nstack: chat\nrooms:\n  side: {}\n",
    );
    write(
        &root.join("apps/support"),
        "support.yaml",
        "version: 1\nstack: support\nregion: eu-west-1\nrooms:\n  desk: {}\n",
    );
    // A file of one stack may sit next to another stack's files.
    write(
        &root.join("apps"),
        "chat-extra.yaml",
        "version: 1\nstack: chat\nrooms:\n  extra: {}\n",
    );
    let ws = load_workspace(&[root.to_path_buf()], &Vars::default())
        .unwrap_or_else(|e| panic!("{}", render_plain(&e)));
    let relative = |f: &String| {
        PathBuf::from(f)
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned()
    };
    let stacks: Vec<(&str, Vec<String>)> = ws
        .stacks
        .iter()
        .map(|m| {
            (
                m.desired.stack.as_str(),
                m.files.iter().map(relative).collect(),
            )
        })
        .collect();
    assert_eq!(
        stacks,
        [
            (
                "chat",
                vec![
                    "apps/chat/a.yaml".to_string(),
                    "apps/chat/b.yaml".to_string(),
                    "apps/chat-extra.yaml".to_string()
                ]
            ),
            ("shared", vec!["shared/logging.yaml".to_string()]),
            ("support", vec!["apps/support/support.yaml".to_string()]),
        ]
    );
    let chat = ws.stack("chat").expect("the chat stack");
    assert_eq!(chat.desired.rooms.len(), 3);
    assert_eq!(chat.desired.region.as_deref(), Some("us-west-2"));
    assert_eq!(
        ws.stack("support")
            .and_then(|m| m.desired.region.as_deref()),
        Some("eu-west-1")
    );
    // The same tree as one stack: an error per file of another stack, which
    // says that a workspace could hold them (and the regions differ too).
    let err = load_files(&[root.to_path_buf()]).unwrap_err();
    let text = render_plain(&err);
    let codes: Vec<String> = err.diagnostics().into_iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            "manifest::several_stacks",
            "manifest::region_mismatch",
            "manifest::several_stacks"
        ],
        "{text}"
    );
    assert!(
        err.errors()[0]
            .help_text()
            .unwrap_or("")
            .contains("several stacks"),
        "{text}"
    );
}

#[test]
fn every_error_of_every_stack_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("a temp dir");
    write(
        dir.path(),
        "a.yaml",
        "version: 1\nstack: a\nrooms:\n  x: {protect: maybe}\n",
    );
    write(
        dir.path(),
        "b.yaml",
        "version: 1\nstack: b\nrooms:\n  y: {loggingConfigurations: [nope]}\n",
    );
    write(
        dir.path(),
        "c.yaml",
        "version: 1\nstack: b\nrooms:\n  y: {}\n",
    );
    let err = load_workspace(&[dir.path().to_path_buf()], &Vars::default()).unwrap_err();
    let found: Vec<(String, String)> = err
        .diagnostics()
        .into_iter()
        .map(|d| {
            (
                PathBuf::from(&d.file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                d.code,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("a.yaml".to_string(), "manifest::wrong_type".to_string()),
            (
                "b.yaml".to_string(),
                "manifest::unknown_reference".to_string()
            ),
            (
                "c.yaml".to_string(),
                "manifest::duplicate_resource".to_string()
            ),
        ]
    );
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
