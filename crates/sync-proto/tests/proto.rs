//! The wire as it is: golden JSON for every body (a change to one is a protocol change, and
//! must bump `PROTOCOL_VERSION`), golden bytes for the associated data and the content hash,
//! round trips, padding, and the status of logs with gaps.

use expect_test::{expect, expect_file};
use proptest::prelude::*;
use spearmint_sync_proto::{
    CellChange, ChangeBatch, ChangeOp, ContentHash, Cover, Cursor, DeviceId, DeviceInfo, DeviceKey, DeviceList,
    DeviceStatus, DownloadPage, DownloadRequest, Envelope, EnvelopeError, ErrorBody, ErrorKind, Grant, KeyBundle,
    KeyEpoch, LoginRequest, PROTOCOL_VERSION, PaddingError, RefreshRequest, Secret, Seq, SeqRange, SignUpRequest,
    SnapshotChunk, SnapshotId, SnapshotManifest, SnapshotState, StatusResponse, Tokens, UploadOutcome, UploadRequest,
    UploadResponse, VaultId, WrappedKey, pad, padded_len, unpad,
};
use uuid::Uuid;

fn vault() -> VaultId {
    VaultId(Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef))
}

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(0xd000_0000_0000_0000_0000_0000_0000_0000 | n))
}

fn record(seq: u64, prev: Option<ContentHash>) -> Envelope {
    Envelope {
        version: PROTOCOL_VERSION,
        vault: vault(),
        device: device(1),
        seq: Seq(seq),
        epoch: KeyEpoch(3),
        prev,
        nonce: [7; 24],
        ciphertext: (0..40).collect(),
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    format!("{}\n", serde_json::to_string_pretty(value).unwrap())
}

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let text = serde_json::to_string(value).unwrap();
    assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value, "{text}");
}

#[test]
fn the_associated_data_binds_version_vault_device_seq_epoch_and_the_record_before() {
    let first = record(1, None);
    expect![[r#"534d53594e43414400010123456789abcdef0123456789abcdefd00000000000000000000000000000010000000000000001000000030000000000000000000000000000000000000000000000000000000000000000"#]]
        .assert_eq(&hex::encode(first.associated_data()));
    let hash = first.content_hash();
    expect!["63de3fbe7c010f950df588c0d0065a4b5cdff6dd3e8d81c11551644626c217bb"].assert_eq(&hash.to_string());
    let second = record(2, Some(hash));
    assert!(hex::encode(second.associated_data()).ends_with(&hash.to_string()));

    // Each bound field changes the bytes, and so the hash.
    let changed = [
        Envelope { vault: VaultId(Uuid::nil()), ..second.clone() },
        Envelope { device: device(2), ..second.clone() },
        Envelope { seq: Seq(3), ..second.clone() },
        Envelope { epoch: KeyEpoch(4), ..second.clone() },
        Envelope { prev: Some(ContentHash([0; 32])), ..second.clone() },
        Envelope { version: PROTOCOL_VERSION + 1, ..second.clone() },
    ];
    for other in &changed {
        assert_ne!(other.associated_data(), second.associated_data(), "{other:?}");
        assert_ne!(other.content_hash(), second.content_hash(), "{other:?}");
    }
    // The hash covers the nonce and the ciphertext too, but the associated data does not.
    let mut tampered = second.clone();
    tampered.ciphertext[0] ^= 1;
    assert_eq!(tampered.associated_data(), second.associated_data());
    assert_ne!(tampered.content_hash(), second.content_hash());
    let renonced = Envelope { nonce: [8; 24], ..second.clone() };
    assert_ne!(renonced.content_hash(), second.content_hash());
}

#[test]
fn an_envelope_is_checked_before_anyone_opens_it() {
    assert_eq!(record(1, None).check(), Ok(()));
    assert_eq!(record(2, Some(ContentHash([1; 32]))).check(), Ok(()));
    assert_eq!(record(0, None).check(), Err(EnvelopeError::ZeroSeq));
    assert_eq!(record(2, None).check(), Err(EnvelopeError::MissingPrev { seq: Seq(2) }));
    assert_eq!(record(1, Some(ContentHash([1; 32]))).check(), Err(EnvelopeError::PrevOnFirst));
    let newer = Envelope { version: PROTOCOL_VERSION + 1, ..record(1, None) };
    assert_eq!(newer.check(), Err(EnvelopeError::Version { found: PROTOCOL_VERSION + 1 }));
    assert!(newer.check().unwrap_err().to_string().contains("update Spearmint"));
    let short = Envelope { ciphertext: vec![0; 15], ..record(1, None) };
    assert_eq!(short.check(), Err(EnvelopeError::TooShort { len: 15 }));
}

#[test]
fn upload_bodies_are_as_golden() {
    let first = record(1, None);
    let second = record(2, Some(first.content_hash()));
    let upload = UploadRequest { records: vec![first.clone(), second.clone()] };
    expect_file!["golden/upload-request.json"].assert_eq(&json(&upload));
    round_trip(&upload);
    let answer = UploadResponse {
        outcomes: vec![
            UploadOutcome::Duplicate { seq: Seq(1) },
            UploadOutcome::Stored { seq: Seq(2) },
            UploadOutcome::Conflict { seq: Seq(3), held: ContentHash([0xab; 32]) },
        ],
        contiguous: Seq(2),
    };
    expect_file!["golden/upload-response.json"].assert_eq(&json(&answer));
    round_trip(&answer);
}

#[test]
fn download_and_status_bodies_are_as_golden() {
    let request = DownloadRequest {
        cursors: vec![Cursor { device: device(1), after: Seq(41) }, Cursor { device: device(2), after: Seq::NONE }],
        max_bytes: Some(1 << 20),
    };
    expect_file!["golden/download-request.json"].assert_eq(&json(&request));
    round_trip(&request);
    let page = DownloadPage {
        records: vec![record(1, None)],
        next: vec![Cursor { device: device(1), after: Seq(1) }],
        more: true,
    };
    expect_file!["golden/download-page.json"].assert_eq(&json(&page));
    round_trip(&page);
    let status = StatusResponse {
        devices: vec![
            DeviceStatus::from_seqs(device(1), [1, 2, 3, 7, 8, 10].map(Seq)),
            DeviceStatus { revoked: true, ..DeviceStatus::from_seqs(device(2), [1].map(Seq)) },
        ],
    };
    expect_file!["golden/status.json"].assert_eq(&json(&status));
    round_trip(&status);
}

#[test]
fn change_batches_and_errors_are_as_golden() {
    let batch = ChangeBatch {
        changes: vec![
            CellChange {
                hlc: "000001700000000-0000002a-d0000000000000000000000000000001".into(),
                table: "transactions".into(),
                row: "7f1c".into(),
                op: ChangeOp::Set { column: "category_id".into(), value: serde_json::json!("FOOD_COFFEE") },
            },
            CellChange {
                hlc: "000001700000000-0000002b-d0000000000000000000000000000001".into(),
                table: "transactions".into(),
                row: "7f1c".into(),
                op: ChangeOp::Set { column: "amount_minor".into(), value: serde_json::json!(-450) },
            },
            CellChange {
                hlc: "000001700000001-00000000-d0000000000000000000000000000001".into(),
                table: "rules".into(),
                row: "r9".into(),
                op: ChangeOp::Delete,
            },
        ],
    };
    expect_file!["golden/change-batch.json"].assert_eq(&json(&batch));
    assert_eq!(ChangeBatch::from_bytes(&batch.to_bytes()).unwrap(), batch);
    let limited = ErrorBody {
        error: spearmint_sync_proto::ErrorDetail {
            kind: ErrorKind::RateLimited,
            message: "too many uploads from this device: Spearmint tries again by itself".into(),
            retry_after_secs: Some(30),
        },
    };
    expect_file!["golden/error-rate-limited.json"].assert_eq(&json(&limited));
    round_trip(&limited);
    expect![[
        r#"{"error":{"kind":"forbidden","message":"this device was removed from sync: join again from Settings"}}"#
    ]]
    .assert_eq(
        &serde_json::to_string(&ErrorBody::new(
            ErrorKind::Forbidden,
            "this device was removed from sync: join again from Settings",
        ))
        .unwrap(),
    );
}

#[test]
fn account_bodies_are_as_golden_and_never_print_a_secret() {
    let sign_up = SignUpRequest { user: "ana".into(), password: Secret::new("correct horse") };
    let login = LoginRequest {
        user: "ana".into(),
        password: Secret::new("correct horse"),
        device: device(1),
        device_name: "Laptop".into(),
    };
    let tokens = Tokens {
        access_token: Secret::new("YWNjZXNz"),
        expires_in_secs: 1800,
        refresh_token: Secret::new("cmVmcmVzaA"),
        device: device(1),
    };
    let refresh = RefreshRequest { refresh_token: Secret::new("cmVmcmVzaA") };
    let devices = DeviceList {
        devices: vec![DeviceInfo {
            device: device(1),
            name: "Laptop".into(),
            created_at: 1_796_000_000,
            last_seen_at: 1_796_000_600,
            revoked: false,
        }],
    };
    let all = format!("{}{}{}{}{}", json(&sign_up), json(&login), json(&tokens), json(&refresh), json(&devices));
    expect_file!["golden/accounts.json"].assert_eq(&all);
    round_trip(&sign_up);
    round_trip(&login);
    round_trip(&tokens);
    round_trip(&refresh);
    round_trip(&devices);
    let printed = format!("{sign_up:?}{login:?}{tokens:?}{refresh:?}");
    for secret in ["correct horse", "YWNjZXNz", "cmVmcmVzaA"] {
        assert!(!printed.contains(secret), "{printed}");
    }
    assert!(printed.contains("[redacted]"));
}

#[test]
fn snapshot_bodies_and_their_associated_data_are_as_golden() {
    let manifest = SnapshotManifest {
        id: SnapshotId(Uuid::from_u128(0x5a)),
        author: device(1),
        epoch: KeyEpoch(2),
        chunks: 3,
        covers: vec![
            Cover { device: device(1), seq: Seq(40), hash: ContentHash([1; 32]) },
            Cover { device: device(2), seq: Seq(7), hash: ContentHash([2; 32]) },
        ],
    };
    let chunk = SnapshotChunk { index: 1, nonce: [3; 24], ciphertext: vec![4; 20] };
    let state = SnapshotState { missing: vec![0, 2], latest: false };
    let all = format!("{}{}{}", json(&manifest), json(&chunk), json(&state));
    expect_file!["golden/snapshot.json"].assert_eq(&all);
    round_trip(&manifest);
    round_trip(&chunk);
    round_trip(&state);
    expect![[r#"534d534e41504144000101234567"#]]
        .assert_eq(&hex::encode(&manifest.associated_data(vault(), 1, true)[..14]));
    expect!["99"].assert_eq(&manifest.associated_data(vault(), 1, true).len().to_string());
}

#[test]
fn the_key_bundle_is_as_golden() {
    let bundle = KeyBundle {
        revision: 3,
        phrase: 1,
        keys: vec![
            WrappedKey { epoch: KeyEpoch(0), nonce: [5; 24], ciphertext: vec![9; 48] },
            WrappedKey { epoch: KeyEpoch(1), nonce: [6; 24], ciphertext: vec![8; 48] },
        ],
        devices: vec![DeviceKey { device: device(1), public: [1; 32], tag: [2; 32] }],
        grants: vec![Grant {
            device: device(1),
            phrase: 1,
            ephemeral: [3; 32],
            nonce: [4; 24],
            ciphertext: vec![7; 48],
        }],
    };
    expect_file!["golden/key-bundle.json"].assert_eq(&json(&bundle));
    round_trip(&bundle);
}

#[test]
fn a_key_bundle_from_before_devices_had_keys_still_reads() {
    let old = serde_json::json!({
        "keys": [{ "epoch": 0, "nonce": "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUF", "ciphertext": "CQkJCQkJCQkJCQkJCQkJCQ==" }]
    });
    let bundle: KeyBundle = serde_json::from_value(old).unwrap();
    assert_eq!((bundle.revision, bundle.phrase, bundle.keys.len()), (0, 0, 1));
    assert!(bundle.devices.is_empty() && bundle.grants.is_empty());
    let short = serde_json::json!({
        "keys": [], "devices": [{ "device": device(1), "public": "AAAA", "tag": "AAAA" }]
    });
    let error = serde_json::from_value::<KeyBundle>(short).unwrap_err().to_string();
    assert!(error.contains("32 bytes"), "{error}");
}

#[test]
fn a_body_with_a_field_this_version_does_not_know_is_refused() {
    let mut value = serde_json::to_value(record(1, None)).unwrap();
    value["sent_at"] = serde_json::json!("2026-12-07T00:00:00Z");
    assert!(serde_json::from_value::<Envelope>(value).is_err(), "a clock has no place in a record");
    let bad_nonce = serde_json::json!({
        "version": 1, "vault": vault(), "device": device(1), "seq": 1, "epoch": 0, "prev": null,
        "nonce": "AAAA", "ciphertext": "AAAAAAAAAAAAAAAAAAAAAA=="
    });
    let error = serde_json::from_value::<Envelope>(bad_nonce).unwrap_err().to_string();
    assert!(error.contains("a nonce is 24 bytes"), "{error}");
    let bad_hash = serde_json::json!({ "outcome": "conflict", "seq": 1, "held": "xyz" });
    assert!(serde_json::from_value::<UploadOutcome>(bad_hash).is_err());
}

#[test]
fn status_names_the_contiguous_prefix_and_the_ranges_beyond_a_gap() {
    let d = device(1);
    let status = |seqs: &[u64]| {
        let s = DeviceStatus::from_seqs(d, seqs.iter().copied().map(Seq));
        (s.contiguous.0, s.beyond_gap.iter().map(|r| (r.first.0, r.last.0)).collect::<Vec<_>>())
    };
    assert_eq!(status(&[]), (0, vec![]));
    assert_eq!(status(&[1, 2, 3]), (3, vec![]));
    assert_eq!(status(&[2, 3, 5]), (0, vec![(2, 3), (5, 5)]));
    assert_eq!(status(&[1, 2, 4, 5, 6, 9]), (2, vec![(4, 6), (9, 9)]));
    assert_eq!(status(&[1, u64::MAX]), (1, vec![(u64::MAX, u64::MAX)]));
}

#[test]
fn a_batch_is_deflated_before_it_is_sealed_and_a_bomb_is_refused() {
    let batch = ChangeBatch {
        changes: (0..100)
            .map(|i| CellChange {
                hlc: format!("{:015}-{:08x}-{}", 1_796_000_000_000u64 + i / 10, i % 10, "ab".repeat(16)),
                table: "transactions".into(),
                row: Uuid::new_v5(&Uuid::NAMESPACE_OID, &(i / 8).to_le_bytes()).to_string(),
                op: ChangeOp::Set { column: "category_id".into(), value: serde_json::json!("FOOD_GROCERIES") },
            })
            .collect(),
    };
    let json = serde_json::to_vec(&batch).unwrap();
    let bytes = batch.to_bytes();
    assert_eq!(ChangeBatch::from_bytes(&bytes).unwrap(), batch);
    assert!(bytes.len() * 3 < json.len(), "{} of {} bytes", bytes.len(), json.len());

    use std::io::Write as _;
    let mut bomb = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&vec![b' '; 65 << 20]).unwrap();
    let bomb = bomb.finish().unwrap();
    assert!(matches!(ChangeBatch::from_bytes(&bomb), Err(spearmint_sync_proto::BatchError::TooLarge)));
    assert!(ChangeBatch::from_bytes(b"not deflate at all").is_err());
}

#[test]
fn padding_hides_small_differences_and_comes_off_exactly() {
    assert_eq!(padded_len(0), 256);
    assert_eq!(padded_len(256), 256);
    assert_eq!(padded_len(257), 272);
    assert_eq!(padded_len(1000), 1024);
    assert_eq!(padded_len(1_000_000), 1_015_808);
    // A note of one letter and one of sixty look the same on the wire.
    let short = ChangeBatch { changes: vec![cell(0, "x")] };
    let long = ChangeBatch { changes: vec![cell(0, &"a note of sixty letters ".repeat(3)[..60])] };
    assert_ne!(short.to_bytes().len(), long.to_bytes().len());
    assert_eq!(pad(&short.to_bytes()).len(), pad(&long.to_bytes()).len());

    assert_eq!(unpad(&[0, 0]), Err(PaddingError::TooShort { len: 2 }));
    assert_eq!(unpad(&[0, 0, 0, 9, 1, 2]), Err(PaddingError::Length { said: 9, held: 2 }));
    assert_eq!(unpad(&[0, 0, 0, 1, 1, 2]), Err(PaddingError::NotZeros));
}

fn cell(i: u64, note: &str) -> CellChange {
    CellChange {
        hlc: format!("000001700000000-{i:08x}-d0000000000000000000000000000001"),
        table: "transactions".into(),
        row: format!("{i}"),
        op: ChangeOp::Set { column: "note".into(), value: serde_json::json!(note) },
    }
}

proptest! {
    #[test]
    fn padded_is_at_least_as_long_at_most_an_eighth_longer_and_comes_back(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let padded = pad(&bytes);
        prop_assert!(padded.len() >= bytes.len() + 4);
        prop_assert!(padded.len() == 256 || padded.len() * 8 <= (bytes.len() + 4) * 9);
        prop_assert_eq!(padded.len(), padded_len(bytes.len() + 4));
        prop_assert_eq!(unpad(&padded).unwrap(), &bytes[..]);
    }

    #[test]
    fn status_ranges_cover_exactly_the_seqs_held(mut seqs in proptest::collection::btree_set(1u64..200, 0..60)) {
        let status = DeviceStatus::from_seqs(device(1), seqs.iter().copied().map(Seq));
        let mut covered: Vec<u64> = (1..=status.contiguous.0).collect();
        for SeqRange { first, last } in &status.beyond_gap {
            prop_assert!(first.0 > status.contiguous.0 + 1);
            covered.extend(first.0..=last.0);
        }
        for pair in status.beyond_gap.windows(2) {
            prop_assert!(pair[1].first.0 > pair[0].last.0 + 1, "ranges do not touch");
        }
        let held: Vec<u64> = std::mem::take(&mut seqs).into_iter().collect();
        prop_assert_eq!(covered, held);
    }
}
