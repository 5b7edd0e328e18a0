//! Shell completions.

use crate::common::{run, spearmint};

#[test]
fn completions_are_generated_for_common_shells() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&mut spearmint(dir.path(), &["completions", shell]), "");
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("rekey") && text.contains("passphrase"), "{shell}: {text}");
    }
}
