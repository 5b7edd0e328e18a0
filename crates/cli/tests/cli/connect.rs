//! Connecting banks from the command line: the sandbox bank over SimpleFIN and OFX (over HTTPS
//! too), refreshing one account's connection, the shipped directory of OFX banks, and a bank
//! password that is never the vault's passphrase. Expected values come from the sandbox bank's
//! `truth()`.

use std::path::Path;

use serde_json::Value;

use crate::common::{
    assert_same_shape, demo_vault, fails, json, listed, new_account, ok, ok_json, outcome_names, passphrase_vault,
    require_secret_service, run, runtime, shape_of_list, shape_of_ofx_list, shape_of_truth, shared_dir, sm, sorted,
    spearmint, text,
};

#[test]
fn refresh_of_an_account_says_which_connection_and_refuses_accounts_without_one() {
    let dir = demo_vault();
    let demo_account = text(&ok_json(dir.path(), &["accounts"])[0], "id");
    let report = ok_json(dir.path(), &["refresh", "--account", &demo_account]);
    let outcomes = report["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 1, "{report}");
    assert_eq!(
        (outcomes[0]["connection"].as_str(), outcomes[0]["provider"].as_str()),
        (Some("Demo Bank"), Some("demo"))
    );

    let manual = new_account(dir.path(), "Cash");
    let out = run(&mut sm(dir.path(), &["refresh", "--account", &manual, "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("not linked to a provider"));
    let missing = spearmint_core::AccountId::new().to_string();
    let out = run(&mut sm(dir.path(), &["refresh", "--account", &missing, "--json"]), "");
    fails(&out, 3, "NotFound");
    assert!(json(&out)["error"]["hint"].as_str().unwrap().contains("spearmint accounts"));
    let out = run(&mut sm(dir.path(), &["refresh", "--account", "checking", "--json"]), "");
    assert!(fails(&out, 9, "Invalid").contains("not an account id"));
}

/// The sandbox bank, on its own runtime, for as long as the test holds it.
struct Bank {
    bank: spearmint_sandbox_bank::SandboxBank,
    _rt: tokio::runtime::Runtime,
}

fn sandbox_bank(seed: u64) -> Bank {
    sandbox_bank_with(seed, false)
}

/// With `tls`, the bank serves HTTPS under a test CA minted for it.
fn sandbox_bank_with(seed: u64, tls: bool) -> Bank {
    let rt = runtime();
    let today = chrono::Utc::now().date_naive();
    let config = spearmint_sandbox_bank::BankConfig { seed, today, history_days: 60, tls };
    let bank = rt.block_on(spearmint_sandbox_bank::SandboxBank::start(config)).unwrap();
    Bank { bank, _rt: rt }
}

/// Over HTTPS, as every real bank: with the bank's CA trusted (SSL_CERT_FILE, which the
/// platform verifier reads on Linux), the SimpleFIN claim and fetch work; with a certificate the
/// machine does not trust, connecting fails, says why, and links nothing.
#[test]
fn a_bank_over_https_is_trusted_only_through_its_certificate_authority() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank_with(31, true);
    assert!(bank.base_url().starts_with("https://"), "{}", bank.base_url());
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), bank.ca_certificate_pem().expect("a test CA")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    ok(&mut sm(dir.path(), &["init"]));

    // Not trusted: the machine's own authorities do not know the test CA.
    let untrusted = tempfile::NamedTempFile::new().unwrap();
    let out = run(
        sm(dir.path(), &["connect", "simplefin", &bank.simplefin_setup_token(), "--json"])
            .env("SSL_CERT_FILE", untrusted.path()),
        "",
    );
    assert!(!out.status.success(), "an untrusted certificate must not be accepted");
    let err = json(&out);
    let message = err["error"]["message"].as_str().unwrap_or_default().to_lowercase();
    assert!(message.contains("certificate") && message.contains("does not trust"), "the reason is named: {err}");
    assert_eq!(err["error"]["kind"], "Provider", "not a network outage: {err}");
    assert!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().is_empty(), "nothing is linked");

    let token = bank.simplefin_setup_token();
    let report = ok_json_with(dir.path(), &["connect", "simplefin", &token], ca.path());
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "{report}");
    let truth = bank.truth();
    let accounts = ok_json(dir.path(), &["accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), truth.len());
    assert_same_shape(shape_of_list(&listed(dir.path(), &[])), shape_of_truth(&truth, false), "fetched over HTTPS");
    let again = ok_json_with(dir.path(), &["refresh"], ca.path());
    assert_eq!(again["outcomes"][0]["summary"]["added"], 0, "{again}");
}

/// `ok_json` with `ca` as the only certificate authority trusted.
fn ok_json_with(data_dir: &Path, args: &[&str], ca: &Path) -> Value {
    let mut cmd = sm(data_dir, args);
    cmd.arg("--json").env("SSL_CERT_FILE", ca);
    json(&ok(&mut cmd))
}

#[test]
fn connect_simplefin_claims_a_setup_token_once_and_refreshes_only_the_account_asked() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank(7);
    let dir = demo_vault();
    let token = bank.simplefin_setup_token();

    let report = ok_json(dir.path(), &["connect", "simplefin", &token]);
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "linking extracts at once: {report}");
    let truth = bank.truth();
    let all = ok_json(dir.path(), &["accounts"]);
    let accounts: Vec<String> =
        all.as_array().unwrap().iter().filter(|a| a["provider"] == "simplefin").map(|a| text(a, "id")).collect();
    assert_eq!(accounts.len(), truth.len());
    let list: Vec<Value> = accounts.iter().flat_map(|a| listed(dir.path(), &["--account", a])).collect();
    assert_same_shape(shape_of_list(&list), shape_of_truth(&truth, false), "exactly what the bank shows");
    let plain =
        String::from_utf8(ok(&mut sm(dir.path(), &["transactions", "--account", &accounts[0]])).stdout).unwrap();
    assert_eq!(plain.lines().count(), listed(dir.path(), &["--account", &accounts[0]]).len());

    // The token was claimed: a second claim is refused, clearly, and links nothing.
    let out = run(&mut sm(dir.path(), &["connect", "simplefin", &token, "--json"]), "");
    let message = fails(&out, 11, "ProviderAuth");
    assert!(message.contains("already used") && message.contains("setup token"), "{message}");
    assert_eq!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().len(), all.as_array().unwrap().len());

    // --account refreshes that account's connection and no other.
    let fetches = bank.requests_to("/simplefin/accounts");
    let report = ok_json(dir.path(), &["refresh", "--account", &accounts[1]]);
    assert_eq!(outcome_names(&report), ["SimpleFIN Bridge"], "{report}");
    assert_eq!(bank.requests_to("/simplefin/accounts"), fetches + 1);
    let demo = all.as_array().unwrap().iter().find(|a| a["provider"] == "demo").map(|a| text(a, "id")).unwrap();
    let report = ok_json(dir.path(), &["refresh", "--account", &demo]);
    assert_eq!(outcome_names(&report), ["Demo Bank"], "{report}");
    assert_eq!(bank.requests_to("/simplefin/accounts"), fetches + 1, "the SimpleFIN Bridge was not asked");
    let report = ok_json(dir.path(), &["refresh"]);
    assert_eq!(sorted(outcome_names(&report)), ["Demo Bank", "SimpleFIN Bridge"]);
    let list: Vec<Value> = accounts.iter().flat_map(|a| listed(dir.path(), &["--account", a])).collect();
    assert_same_shape(shape_of_list(&list), shape_of_truth(&truth, false), "refreshes add nothing");
}

#[test]
fn connect_ofx_refuses_a_wrong_password_clearly_then_downloads_the_statements() {
    require_secret_service();
    let Bank { bank, _rt } = sandbox_bank(23);
    let dir = tempfile::tempdir().unwrap();
    ok(&mut spearmint(dir.path(), &["init"]));
    let login = bank.ofx_login();
    let url = bank.ofx_url();
    let connect = ["connect", "ofx", "--url", &url, "--org", &login.org, "--fid", &login.fid, "--user", &login.user];

    let wrong = "hunter2-but-wrong";
    let out =
        run(spearmint(dir.path(), &[&connect[..], &["--json"]].concat()).env("SPEARMINT_OFX_PASSWORD", wrong), "");
    let message = fails(&out, 11, "ProviderAuth");
    assert!(message.contains("refused the sign-on") && message.contains("15500"), "{message}");
    assert!(message.contains("user name and password"), "says which credentials were refused: {message}");
    let all_output = [out.stdout, out.stderr].concat();
    assert!(!String::from_utf8_lossy(&all_output).contains(wrong), "the password is never printed");
    assert!(ok_json(dir.path(), &["accounts"]).as_array().unwrap().is_empty(), "nothing linked");

    // The right password, on standard input (a keychain vault asks no passphrase first).
    let out = run(
        &mut spearmint(dir.path(), &[&connect[..], &["--passphrase-stdin", "--json"]].concat()),
        &format!("{}\n", login.password),
    );
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!(report["outcomes"][0]["provider"], "ofx", "{report}");
    assert_eq!(report["outcomes"][0]["summary"]["accounts"].as_u64(), Some(3), "{report}");
    let accounts = ok_json(dir.path(), &["accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 3);
    assert!(accounts.as_array().unwrap().iter().all(|a| a["provider"] == "ofx" && a["status"] == "ok"), "{accounts}");
    // OFX statements carry posted transactions only: those, exactly.
    let list = listed(dir.path(), &[]);
    assert_same_shape(shape_of_ofx_list(&list), shape_of_truth(&bank.truth(), true), "posted rows by OFX");
    assert!(list.iter().all(|t| text(t, "seller").len() <= 32), "NAME is at most 32 characters");
    let report = ok_json(dir.path(), &["refresh"]);
    assert_eq!(report["outcomes"][0]["summary"]["added"].as_u64(), Some(0), "{report}");
}

#[test]
fn the_vault_passphrase_is_never_sent_to_a_bank_as_its_password() {
    let Bank { bank, _rt } = sandbox_bank(29);
    let dir = passphrase_vault();
    let login = bank.ofx_login();
    let url = bank.ofx_url();
    // $SPEARMINT_PASSPHRASE unlocks the vault; no bank password is given, and there is no terminal.
    let out = run(
        &mut sm(
            dir.path(),
            &[
                "connect",
                "ofx",
                "--url",
                &url,
                "--org",
                &login.org,
                "--fid",
                &login.fid,
                "--user",
                &login.user,
                "--json",
            ],
        ),
        "",
    );
    let message = fails(&out, 9, "Invalid");
    assert!(message.contains("bank password is needed") && message.contains("SPEARMINT_OFX_PASSWORD"), "{message}");
    assert_eq!(bank.requests_to("/ofx"), 0, "nothing was sent to the bank");
}

/// The banks of the shipped directory's source: (name, url, org, fid) of each complete entry.
fn directory_source() -> Vec<(String, String, String, String)> {
    let cfg = shared_dir().join("data/institutions/ofx-institutions.cfg");
    let cfg = std::fs::read_to_string(&cfg).unwrap_or_else(|e| panic!("{}: {e}", cfg.display()));
    let mut banks = Vec::new();
    let mut current: Option<(String, std::collections::BTreeMap<String, String>)> = None;
    for line in cfg.lines().chain(["[end]"]).map(str::trim).filter(|l| !l.starts_with('#')) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            if let Some((bank, fields)) = current.take()
                && let (Some(url), Some(org), Some(fid)) = (fields.get("url"), fields.get("org"), fields.get("fid"))
            {
                banks.push((bank, url.clone(), org.clone(), fid.clone()));
            }
            current = Some((name.to_owned(), Default::default()));
        } else if let (Some((_, fields)), Some((key, value))) = (current.as_mut(), line.split_once('=')) {
            fields.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    banks
}

#[test]
fn banks_come_from_the_shipped_directory_and_an_unknown_name_is_refused_clearly() {
    let dir = passphrase_vault();
    let source = directory_source();
    assert!(source.len() > 100, "{}", source.len());
    let known: Vec<_> =
        source.iter().filter(|(name, ..)| ["amex", "schwab", "usaa"].contains(&name.as_str())).collect();
    assert_eq!(known.len(), 3, "{known:?}");
    for (name, url, org, fid) in known {
        let found = ok_json(dir.path(), &["banks", name]);
        let first = &found[0];
        assert_eq!(
            (text(first, "name"), text(first, "url"), text(first, "org"), text(first, "fid")),
            (name.clone(), url.clone(), org.clone(), fid.clone()),
            "{found}"
        );
    }
    let connect = |bank: &str| {
        let mut cmd = sm(dir.path(), &["connect", "ofx", "--bank", bank, "--user", "me", "--json"]);
        cmd.env("SPEARMINT_OFX_PASSWORD", "pw");
        run(&mut cmd, "")
    };
    let message = fails(&connect("First Bank of Nowhere"), 3, "NotFound");
    assert!(message.contains("First Bank of Nowhere") && message.contains("spearmint banks"), "{message}");
    assert!(fails(&connect("  "), 9, "Invalid").contains("spearmint banks"));
    assert!(ok_json(dir.path(), &["banks", "First Bank of Nowhere"]).as_array().unwrap().is_empty());
}

/// `spearmint disconnect` asks which: keep the transactions or delete them, never a default.
#[test]
fn disconnect_needs_a_choice_and_keeps_or_removes_as_told() {
    let dir = passphrase_vault();
    ok(&mut sm(dir.path(), &["connect", "demo"]));
    let accounts = ok_json(dir.path(), &["accounts"]);
    let first = text(&accounts[0], "id");
    let rows = listed(dir.path(), &[]).len();
    assert!(rows > 0);

    let out = run(&mut sm(dir.path(), &["disconnect", &first]), "");
    assert_eq!(out.status.code(), Some(2), "a choice is required: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(listed(dir.path(), &[]).len(), rows);

    let removed = ok_json(dir.path(), &["disconnect", &first, "--keep-transactions"]);
    assert_eq!(removed["accounts"].as_u64(), Some(accounts.as_array().unwrap().len() as u64));
    assert_eq!(removed["transactions"], 0);
    assert_eq!(listed(dir.path(), &[]).len(), rows, "every transaction kept");
    let out = ok(&mut sm(dir.path(), &["refresh"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to refresh"), "{out:?}");

    // The kept accounts are the user's own now: keeping again is refused, removing takes them.
    let out = run(&mut sm(dir.path(), &["disconnect", &first, "--keep-transactions", "--json"]), "");
    fails(&out, 9, "Invalid");
    let out = ok(&mut sm(dir.path(), &["disconnect", &first, "--delete-transactions"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 1 account and"), "{out:?}");
    assert!(listed(dir.path(), &[]).len() < rows);
    let doctor = ok_json(dir.path(), &["doctor"]);
    assert_eq!(doctor["integrity"].as_array().map(Vec::len), Some(0));
}
