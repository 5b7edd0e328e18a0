use spearmint_sandbox_bank::{BankConfig, SandboxBank};

use crate::{access_url, get_json};

async fn tls_bank() -> SandboxBank {
    SandboxBank::start(BankConfig { tls: true, ..BankConfig::default() }).await.expect("bank starts")
}

#[tokio::test]
async fn https_works_for_a_client_that_trusts_the_test_ca() {
    let bank = tls_bank().await;
    assert!(bank.base_url().starts_with("https://127.0.0.1:"));
    let pem = bank.ca_certificate_pem().expect("a CA when serving TLS");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM");
    let client = reqwest::Client::builder().tls_certs_only([ca]).no_proxy().build().expect("client");
    let access = access_url(&bank, &client).await;
    assert!(access.starts_with("https://"), "{access}");
    let set = get_json(&client, &format!("{access}/accounts")).await;
    assert_eq!(set["accounts"].as_array().map(Vec::len), Some(3));
    let response = client.post(bank.ofx_url()).body("not ofx").send().await.expect("request");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn https_fails_for_a_client_that_does_not_trust_the_test_ca() {
    let bank = tls_bank().await;
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    let result = client.get(format!("{}/simplefin/info", bank.base_url())).send().await;
    assert!(result.is_err(), "the certificate must not verify without the CA: {result:?}");
    assert_eq!(bank.requests_served(), 0, "the refused handshake never became a request");
    assert!(SandboxBank::start(BankConfig::default()).await.expect("plain bank").ca_certificate_pem().is_none());
}
