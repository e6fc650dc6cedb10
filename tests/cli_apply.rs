//! `apply`, `destroy`, `import`, saved plans, the safety rules, `--local` and
//! the examples, through the real `ivsctl` binary against an in-process
//! emulator.

mod common;

use common::TestContext;

#[test]
fn cases() {
    common::cases::run_all(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases"));
}
