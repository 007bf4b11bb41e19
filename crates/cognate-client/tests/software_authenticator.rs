//! The software authenticator's credential file shared by several users at once: every
//! assertion gets its own counter value, none lost, none repeated.

#![allow(clippy::unwrap_used)]

use cognate_client::passkey::{
    Authenticator, CreationOptions, RequestOptions, SoftwareAuthenticator,
};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authenticators_sharing_a_file_never_reuse_a_counter() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passkeys.json");
    let first = SoftwareAuthenticator::open(&file).unwrap();
    first
        .create(&CreationOptions::new(json!({
            "rp": {"id": "localhost", "name": "x"},
            "user": {"id": "dXNlcg", "name": "ann", "displayName": "ann"},
            "challenge": "Y2hhbGxlbmdlLWNoYWxsZW5nZQ",
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        })))
        .await
        .unwrap();
    let options = RequestOptions::new(json!({"rpId": "localhost", "challenge": "AAAA"}));
    // Four authenticators over the same file (as four processes would), 25 assertions each.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let file = file.clone();
        let options = options.clone();
        tasks.push(tokio::spawn(async move {
            let mine = SoftwareAuthenticator::open(&file).unwrap();
            let mut counters = Vec::new();
            for _ in 0..25 {
                let a = mine.get(&options).await.unwrap();
                let data = base64_decode(a["response"]["authenticatorData"].as_str().unwrap());
                counters.push(u32::from_be_bytes(data[33..37].try_into().unwrap()));
            }
            counters
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=100).collect::<Vec<u32>>());
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["credentials"][0]["counter"], 100);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}
