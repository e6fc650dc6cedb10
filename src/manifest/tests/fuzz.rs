//! Mutated manifests never panic, and the typed pass accepts whatever the
//! validation pass accepts.

use super::super::{load_str, render_plain};

/// A tiny deterministic generator (no extra dependency for the fuzz below).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutated manifests never panic, and whatever validation accepts, the typed
/// pass reads (its "please report" safety net never fires).
#[test]
fn mutations_never_panic_and_validation_covers_typing() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/manifests/valid/");
    let bases: Vec<String> = ["full.yaml", "product-example.yaml", "reuse.yaml"]
        .iter()
        .map(|f| std::fs::read_to_string(format!("{dir}{f}")).expect("a valid fixture"))
        .collect();
    let tokens = [
        "~",
        "\"",
        "'",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "42",
        "042",
        "&a ",
        "*a",
        "!!str ",
        "!x ",
        "\t",
        "\n",
        "\n  ",
        "é",
        "#",
        "true",
        "-1",
        "0x10",
        ",",
        "<<: ",
        "---\n",
        "? ",
        "|\n  x\n",
        "\u{feff}",
        "\r\n",
        "null",
        "''",
        "\"\"",
        "arn:",
        "aws:",
        "ivsctl:",
        "${",
        "}",
        "$${",
        "${ENV}",
        "${NOPE}",
        "x-",
        "/",
        "<<: *small\n    ",
        "defaults:\n  rooms: {}\n",
        "import: ",
        "moved:\n  - {from: rooms.a, to: rooms.lobby}\n",
        "fromStack: ",
        "vars:\n  ENV: 1\n",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut accepted = 0;
    for base in &bases {
        for _ in 0..3000 {
            let text = mutate(&mut rng, base, &tokens);
            let result = std::panic::catch_unwind(|| load_str("fuzz.yaml", &text));
            let Ok(result) = result else {
                panic!("panicked on:\n{text}")
            };
            match result {
                Ok(_) => accepted += 1,
                Err(err) => {
                    for issue in err.errors() {
                        let help = issue.help_text().unwrap_or("");
                        assert!(
                            !help.contains("please report"),
                            "validation missed what serde rejects:\n{text}\n{}",
                            render_plain(&err)
                        );
                    }
                    let _ = render_plain(&err);
                }
            }
        }
    }
    // Some mutations (in comments, duplicated values) keep the file valid:
    // those exercise the typed pass.
    assert!(accepted > 100, "only {accepted} mutants were valid");
}

fn mutate(rng: &mut Rng, base: &str, tokens: &[&str]) -> String {
    let mut text: Vec<char> = base.chars().collect();
    for _ in 0..=rng.below(3) {
        let at = rng.below(text.len() + 1);
        match rng.below(3) {
            0 => {
                let end = (at + rng.below(12)).min(text.len());
                text.drain(at..end);
            }
            1 => {
                let token = tokens[rng.below(tokens.len())];
                let at = if rng.below(20) == 0 { 0 } else { at };
                text.splice(at..at, token.chars());
            }
            _ => {
                let end = (at + rng.below(20)).min(text.len());
                let copy: Vec<char> = text[at..end].to_vec();
                text.splice(at..at, copy);
            }
        }
    }
    text.into_iter().collect()
}
