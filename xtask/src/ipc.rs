//! The desktop commands, from their one list in `src-tauri/src/commands/list.rs`, and the files
//! that come from it: `cargo xtask codegen` writes the window's capability and the contract
//! document's command table. The tests below fail when either is stale, when `ui/src/api.ts` or
//! the UI's test fake disagrees with the list, or when the shell names a command elsewhere.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

include!("../../src-tauri/src/commands/list.rs");

/// One desktop command as the list declares it.
#[derive(Debug, Clone, Copy)]
pub struct DesktopCommand {
    pub name: &'static str,
    /// The arguments as TypeScript sends them; empty when there are none.
    pub args: &'static str,
    /// The result as TypeScript receives it.
    pub returns: &'static str,
    /// What it does, a sentence of the contract document.
    pub does: &'static str,
}

macro_rules! command_table {
    ($($module:ident :: $name:ident {
        args: $args:literal,
        returns: $returns:literal,
        does: $does:literal $(,)?
    }),* $(,)?) => {
        &[$(DesktopCommand { name: stringify!($name), args: $args, returns: $returns, does: $does }),*]
    };
}

/// Every desktop command, in the list's order.
pub const COMMANDS: &[DesktopCommand] = with_commands!(command_table);

pub const LIST: &str = "src-tauri/src/commands/list.rs";
pub const CAPABILITY: &str = "src-tauri/capabilities/main-window.json";
pub const CONTRACT: &str = "docs/ipc-contract.md";

const CAPABILITY_DESCRIPTION: &str = "The main window may call Spearmint's own commands and nothing else: no shell, \
                                      filesystem, HTTP or window APIs.";

/// The contract document's command table sits between these two lines; the prose around it is
/// written by hand.
const TABLE_BEGIN: &str = "<!-- The command table is generated from src-tauri/src/commands/list.rs by `cargo xtask \
                           codegen`: edit the list, not the table. -->";
const TABLE_END: &str = "<!-- End of the generated command table. -->";

/// Rewrites the capability file and the contract document's command table from the list.
pub fn write(root: &Path) -> Result<()> {
    let capability_path = root.join(CAPABILITY);
    std::fs::write(&capability_path, capability(COMMANDS))
        .with_context(|| format!("could not write {}", capability_path.display()))?;
    let contract_path = root.join(CONTRACT);
    let doc = std::fs::read_to_string(&contract_path)
        .with_context(|| format!("could not read {}", contract_path.display()))?;
    std::fs::write(&contract_path, contract(&doc, COMMANDS)?)
        .with_context(|| format!("could not write {}", contract_path.display()))?;
    Ok(())
}

/// The permission that lets the window call `command`, as Tauri names the one the app
/// manifest makes for it.
fn permission(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

/// The main window's capability: each of our commands, by name, and nothing else (no
/// `core:default`).
pub fn capability(commands: &[DesktopCommand]) -> String {
    let json = |text: &str| serde_json::Value::from(text).to_string();
    let permissions: Vec<String> = commands.iter().map(|c| format!("    {}", json(&permission(c.name)))).collect();
    let mut out = String::from("{\n");
    out += "  \"$schema\": \"../../gen/schemas/desktop-schema.json\",\n";
    out += "  \"identifier\": \"main-window\",\n";
    out += &format!("  \"description\": {},\n", json(CAPABILITY_DESCRIPTION));
    out += "  \"windows\": [\"main\"],\n";
    out += &format!("  \"permissions\": [\n{}\n  ]\n", permissions.join(",\n"));
    out += "}\n";
    out
}

/// `doc` with the command table between its markers rewritten from `commands`.
pub fn contract(doc: &str, commands: &[DesktopCommand]) -> Result<String> {
    let missing = |marker: &str| format!("{CONTRACT} has no line `{marker}`: put it back around the command table");
    let begin = doc.find(TABLE_BEGIN).with_context(|| missing(TABLE_BEGIN))? + TABLE_BEGIN.len();
    let end = begin + doc[begin..].find(TABLE_END).with_context(|| missing(TABLE_END))?;
    let cell = |text: &str| text.replace('|', "\\|");
    let mut table = String::from("\n| command | args | returns | what it does |\n|---|---|---|---|\n");
    for c in commands {
        let args = if c.args.is_empty() { "none".to_owned() } else { format!("`{}`", cell(c.args)) };
        writeln!(table, "| `{}` | {args} | `{}` | {} |", c.name, cell(c.returns), cell(c.does)).unwrap();
    }
    // A blank line ends the table before the closing marker.
    Ok(format!("{}{table}\n{}", &doc[..begin], &doc[end..]))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::PathBuf;

    use super::*;

    const API: &str = "ui/src/api.ts";
    const FAKE: &str = "ui/tests/fake-vault.ts";
    const SHELL_COMMANDS: &str = "src-tauri/src/commands";

    #[test]
    fn the_capability_file_is_the_one_codegen_writes_from_the_command_list() {
        if let Some(problems) = stale(CAPABILITY, &read(CAPABILITY), &capability(COMMANDS)) {
            panic!("{problems}");
        }
    }

    #[test]
    fn the_contract_document_lists_the_commands_codegen_writes_from_the_list() {
        let doc = read(CONTRACT);
        let expected = contract(&doc, COMMANDS).unwrap_or_else(|e| panic!("{e}"));
        if let Some(problems) = stale(CONTRACT, &doc, &expected) {
            panic!("{problems}");
        }
    }

    #[test]
    fn api_ts_has_one_function_per_command_and_calls_no_other() {
        let mut problems = check_api(&read(API), COMMANDS);
        // api.ts is the UI's one way to the shell, so what it calls is all the UI calls.
        for file in typescript_files(&workspace_root().join("ui/src")) {
            let relative = file.strip_prefix(workspace_root()).unwrap().display().to_string();
            if relative != API && !relative.starts_with("ui/src/bindings/") {
                let text = std::fs::read_to_string(&file).unwrap();
                if !calls(&text, "invoke").is_empty() {
                    problems.push(format!("{relative} calls `invoke` itself: call the commands through {API}"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_ui_test_fake_handles_exactly_the_listed_commands() {
        let problems = check_fake(&read(FAKE), COMMANDS);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn the_shell_names_its_commands_only_in_the_list() {
        let mut problems = Vec::new();
        // The handler and the app manifest are built from the list's macro, so they cannot
        // drift; a name written out by hand beside it could.
        for file in ["src-tauri/src/lib.rs", "src-tauri/build.rs"] {
            let text = read(file);
            if !text.contains("with_commands!(") {
                problems.push(format!("{file} does not take the commands from `with_commands!` ({LIST})"));
            }
            for c in COMMANDS.iter().filter(|c| contains_word(&text, c.name)) {
                problems.push(format!("{file} names the command `{}` itself: only {LIST} lists commands", c.name));
            }
        }
        let listed: BTreeSet<&str> = COMMANDS.iter().map(|c| c.name).collect();
        for file in rust_files(&workspace_root().join(SHELL_COMMANDS)) {
            let relative = file.strip_prefix(workspace_root()).unwrap().display().to_string();
            for (attribute, name) in tauri_commands(&std::fs::read_to_string(&file).unwrap()) {
                if !listed.contains(name.as_str()) {
                    problems.push(format!("{relative} declares the command `{name}`, which {LIST} does not list"));
                }
                if attribute.contains("rename =") || attribute.contains("rename=") {
                    problems.push(format!(
                        "{relative}: `{name}` is renamed by `{attribute}`: a command is called by its function's name"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The checks name a command that the list gains but api.ts and the fake lack, and one that
    /// they call but the list lost.
    #[test]
    fn a_command_added_to_or_removed_from_the_list_alone_is_named() {
        let added =
            DesktopCommand { name: "command_only_in_the_list", args: "{ name: string }", returns: "null", does: "" };
        let more: Vec<DesktopCommand> = COMMANDS.iter().copied().chain([added]).collect();
        let api = check_api(&read(API), &more);
        assert!(api.iter().any(|p| p.contains("no `export function command_only_in_the_list(`")), "{api:?}");
        let fake = check_fake(&read(FAKE), &more);
        assert!(fake.iter().any(|p| p.contains("does not handle `command_only_in_the_list`")), "{fake:?}");
        // Against what codegen writes today, whatever the files on disk say.
        let capability_today = capability(COMMANDS);
        let problems = stale(CAPABILITY, &capability_today, &capability(&more)).unwrap();
        assert!(problems.contains("missing:     \"allow-command-only-in-the-list\""), "{problems}");
        let doc = contract(&read(CONTRACT), COMMANDS).unwrap();
        let problems = stale(CONTRACT, &doc, &contract(&doc, &more).unwrap()).unwrap();
        assert!(problems.contains("missing: | `command_only_in_the_list` |"), "{problems}");

        let fewer = &COMMANDS[1..];
        let gone = COMMANDS[0].name;
        let api = check_api(&read(API), fewer);
        assert!(api.iter().any(|p| p.contains(&format!("the command `{gone}`, which"))), "{api:?}");
        let fake = check_fake(&read(FAKE), fewer);
        assert!(fake.iter().any(|p| p.contains(&format!("handles `{gone}`, which"))), "{fake:?}");
    }

    #[test]
    fn api_ts_functions_are_checked_by_what_they_call() {
        let list = [DesktopCommand { name: "lock_vault", args: "", returns: "VaultStatus", does: "" }];
        let ok = "export function lock_vault(): Promise<VaultStatus> {\n  return call(\"lock_vault\");\n}\n\
                  async function call<T>(command: string): Promise<T> {\n  return await invoke<T>(command);\n}\n";
        assert_eq!(check_api(ok, &list), Vec::<String>::new());
        let wrong = "export function lock_vault(): Promise<VaultStatus> {\n  return call(\"unlock_vault\");\n}\n";
        let problems = check_api(wrong, &list);
        assert!(problems.iter().any(|p| p.contains("`lock_vault` calls the command `unlock_vault`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("never calls \"lock_vault\"")), "{problems:?}");
        let computed = "export function lock_vault() {\n  const name = \"lock_vault\";\n  return call(name);\n}\n";
        let problems = check_api(computed, &list);
        assert!(problems.iter().any(|p| p.contains("a computed name")), "{problems:?}");
    }

    /// What differs between a generated file on disk (`actual`) and what codegen writes, line by line.
    fn stale(path: &str, actual: &str, expected: &str) -> Option<String> {
        if actual == expected {
            return None;
        }
        let actual_lines: BTreeSet<&str> = actual.lines().collect();
        let expected_lines: BTreeSet<&str> = expected.lines().collect();
        let mut message = format!("{path} is not what `cargo xtask codegen` writes from {LIST}: run it");
        for line in expected.lines().filter(|l| !actual_lines.contains(l)) {
            message += &format!("\n  missing: {line}");
        }
        for line in actual.lines().filter(|l| !expected_lines.contains(l)) {
            message += &format!("\n  not from the list: {line}");
        }
        if actual_lines == expected_lines {
            message += "\n  (the same lines, in another order or repeated)";
        }
        Some(message)
    }

    /// What `ui/src/api.ts` does wrong by the list: a command without its function, a function
    /// that calls another command (or none), a call of a command the list does not have.
    fn check_api(ts: &str, commands: &[DesktopCommand]) -> Vec<String> {
        let mut problems = Vec::new();
        let functions = functions(ts);
        let listed: BTreeSet<&str> = commands.iter().map(|c| c.name).collect();
        let mut called_by_their_own = BTreeSet::new();
        for callee in ["call", "invoke"] {
            for (at, command) in calls(ts, callee) {
                let within = functions.iter().rev().find(|f| f.at <= at).map_or("(top level)", |f| f.name.as_str());
                match command {
                    // The helper that every command function goes through.
                    None if within == "call" => {}
                    None => problems.push(format!(
                        "{API}: `{within}` calls `{callee}` with a computed name: name the command as a string \
                         literal, so it can be checked against {LIST}"
                    )),
                    Some(command) if !listed.contains(command.as_str()) => problems
                        .push(format!("{API}: `{within}` calls the command `{command}`, which {LIST} does not list")),
                    Some(command) if command != within => problems.push(format!(
                        "{API}: `{within}` calls the command `{command}`: each command is called from the \
                         function of its name"
                    )),
                    Some(command) => {
                        called_by_their_own.insert(command);
                    }
                }
            }
        }
        for c in commands {
            match functions.iter().filter(|f| f.exported && f.name == c.name).count() {
                0 => problems.push(format!(
                    "{API} has no `export function {0}(` for the command `{0}` of {LIST}: add it",
                    c.name
                )),
                1 if !called_by_their_own.contains(c.name) => {
                    problems.push(format!("{API}: `export function {0}` never calls \"{0}\"", c.name))
                }
                1 => {}
                n => problems.push(format!("{API} declares `export function {}` {n} times: one per command", c.name)),
            }
        }
        problems
    }

    /// What the UI's test fake does wrong by the list. Its `handle` answers each command in a
    /// `case "<command>":` and rejects any other as Tauri does, so a command it lacks fails the
    /// UI's tests with `command ... not found`, and a case the shell lacks is a fake that lies.
    fn check_fake(ts: &str, commands: &[DesktopCommand]) -> Vec<String> {
        let Some(start) = ts.find("handle(command, args) {") else {
            return vec![format!("{FAKE} has no `handle(command, args) {{`, the switch over the commands")];
        };
        let Some(length) = ts[start..].find("default:") else {
            return vec![format!("{FAKE}: `handle` has no `default:`, which rejects unknown commands")];
        };
        let cases: Vec<&str> = ts[start..start + length]
            .match_indices("case \"")
            .filter_map(|(at, case)| {
                let rest = &ts[start + at + case.len()..];
                rest.find('"').map(|end| &rest[..end])
            })
            .collect();
        let mut problems = Vec::new();
        for c in commands {
            match cases.iter().filter(|case| **case == c.name).count() {
                0 => problems.push(format!(
                    "{FAKE} does not handle `{0}`: add `case \"{0}\":` to `handle`, answering as the shell does",
                    c.name
                )),
                1 => {}
                n => problems.push(format!("{FAKE} handles `{}` in {n} cases", c.name)),
            }
        }
        let listed: BTreeSet<&str> = commands.iter().map(|c| c.name).collect();
        for case in cases.iter().filter(|case| !listed.contains(**case)) {
            problems
                .push(format!("{FAKE} handles `{case}`, which {LIST} does not list: the shell has no such command"));
        }
        problems
    }

    /// A function declared at the start of a line of TypeScript, and where.
    #[derive(Debug)]
    struct Function {
        name: String,
        exported: bool,
        at: usize,
    }

    fn functions(ts: &str) -> Vec<Function> {
        let mut out = Vec::new();
        let mut at = 0;
        for line in ts.split_inclusive('\n') {
            let (exported, rest) = line.strip_prefix("export ").map_or((false, line), |rest| (true, rest));
            let rest = rest.strip_prefix("async ").unwrap_or(rest);
            if let Some(rest) = rest.strip_prefix("function ") {
                let name = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$').collect();
                out.push(Function { name, exported, at });
            }
            at += line.len();
        }
        out
    }

    /// Every call of `callee` (type arguments allowed): where it is, and the command it names
    /// if its first argument is a string literal.
    fn calls(ts: &str, callee: &str) -> Vec<(usize, Option<String>)> {
        let mut out = Vec::new();
        for (at, _) in ts.match_indices(callee) {
            if ts[..at].chars().next_back().is_some_and(is_word) {
                continue;
            }
            let mut rest = &ts[at + callee.len()..];
            if let Some(generic) = rest.strip_prefix('<') {
                let Some(end) = generic.find('>') else { continue };
                rest = &generic[end + 1..];
            }
            let Some(args) = rest.strip_prefix('(') else { continue };
            let args = args.trim_start();
            let quoted = args.strip_prefix('"').or_else(|| args.strip_prefix('\''));
            out.push((at, quoted.and_then(|s| s.find(['"', '\'']).map(|end| s[..end].to_owned()))));
        }
        out
    }

    /// `#[tauri::command...]` attributes in Rust source and the name of the function each
    /// stands on.
    fn tauri_commands(rust: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut attribute: Option<&str> = None;
        for line in rust.lines().map(str::trim) {
            if line.starts_with("#[tauri::command") {
                attribute = Some(line);
            } else if let Some(a) = attribute
                && let Some(at) = line.find("fn ")
            {
                let name = line[at + 3..].chars().take_while(|c| is_word(*c)).collect();
                out.push((a.to_owned(), name));
                attribute = None;
            }
        }
        out
    }

    fn contains_word(text: &str, word: &str) -> bool {
        text.match_indices(word).any(|(at, _)| {
            !text[..at].chars().next_back().is_some_and(is_word)
                && !text[at + word.len()..].chars().next().is_some_and(is_word)
        })
    }

    fn is_word(c: char) -> bool {
        c.is_alphanumeric() || c == '_' || c == '$'
    }

    fn workspace_root() -> PathBuf {
        crate::workspace::root()
    }

    fn read(path: &str) -> String {
        std::fs::read_to_string(workspace_root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
    }

    fn rust_files(dir: &Path) -> Vec<PathBuf> {
        files(dir, &["rs"])
    }

    fn typescript_files(dir: &Path) -> Vec<PathBuf> {
        files(dir, &["ts", "tsx"])
    }

    fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot list {}: {e}", d.display())) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| extensions.iter().any(|e| x == *e)) {
                    out.push(path);
                }
            }
        }
        out.sort();
        out
    }
}
