//! The device log on a real SQLite file: stored once, replays are no-ops, a different record at
//! a held place is a conflict and never replaces it, gaps are reported and never downloaded
//! past, pages are bounded, and all of it survives reopening the file.

use spearmint_server::{Limits, SqliteStore, StoreError};
use spearmint_sync_proto::{
    ContentHash, Cursor, DeviceId, DownloadRequest, Envelope, ErrorKind, KeyEpoch, PROTOCOL_VERSION, Seq,
    UploadOutcome, VaultId,
};
use uuid::Uuid;

fn vault() -> VaultId {
    VaultId(Uuid::from_u128(1))
}

fn device(n: u128) -> DeviceId {
    DeviceId(Uuid::from_u128(0xd0 << 64 | n))
}

/// `count` chained records of `device`, from seq 1, each `len` bytes of ciphertext tagged `tag`.
fn chain(device: DeviceId, count: u64, len: usize, tag: u8) -> Vec<Envelope> {
    let mut out: Vec<Envelope> = Vec::new();
    for seq in 1..=count {
        let record = Envelope {
            version: PROTOCOL_VERSION,
            vault: vault(),
            device,
            seq: Seq(seq),
            epoch: KeyEpoch(0),
            prev: out.last().map(Envelope::content_hash),
            nonce: [seq as u8; 24],
            ciphertext: vec![tag; len],
        };
        out.push(record);
    }
    out
}

fn open(dir: &tempfile::TempDir, limits: Limits) -> SqliteStore {
    SqliteStore::open(&dir.path().join("server.db"), limits).unwrap()
}

fn everything(store: &SqliteStore) -> Vec<Envelope> {
    let mut request = DownloadRequest::default();
    let mut all = Vec::new();
    loop {
        let page = store.download(vault(), &request).unwrap();
        all.extend(page.records);
        request.cursors = page.next;
        if !page.more {
            return all;
        }
    }
}

#[test]
fn a_replay_changes_nothing_and_another_record_at_a_held_seq_is_a_conflict_not_a_loss() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir, Limits::default());
    let records = chain(device(1), 3, 40, 1);
    let first = store.append(vault(), device(1), &records).unwrap();
    assert_eq!(first.outcomes, (1..=3).map(|s| UploadOutcome::Stored { seq: Seq(s) }).collect::<Vec<_>>());
    assert_eq!(first.contiguous, Seq(3));

    let again = store.append(vault(), device(1), &records).unwrap();
    assert_eq!(again.outcomes, (1..=3).map(|s| UploadOutcome::Duplicate { seq: Seq(s) }).collect::<Vec<_>>());

    let other = chain(device(1), 3, 40, 2);
    let forked = store.append(vault(), device(1), &other[2..]).unwrap();
    assert_eq!(forked.outcomes, vec![UploadOutcome::Conflict { seq: Seq(3), held: records[2].content_hash() }]);
    assert_eq!(everything(&store), records, "the first record at each place stays");
}

#[test]
fn a_record_that_does_not_follow_the_one_held_before_it_is_refused_and_nothing_of_the_upload_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir, Limits::default());
    let mine = chain(device(1), 2, 40, 1);
    store.append(vault(), device(1), &mine[..1]).unwrap();
    let mut stray = chain(device(1), 3, 40, 9);
    stray[1].prev = Some(ContentHash([7; 32]));
    let error = store.append(vault(), device(1), &stray[1..]).unwrap_err();
    assert!(matches!(error, StoreError::Fork { seq: Seq(2), prev: Seq(1) }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(everything(&store), mine[..1], "the upload was all or nothing");
}

#[test]
fn a_device_writes_only_its_own_log_and_only_records_of_this_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir, Limits::default());
    let theirs = chain(device(2), 1, 40, 1);
    let error = store.append(vault(), device(1), &theirs).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden, "{error}");
    let mut newer = chain(device(1), 1, 40, 1);
    newer[0].version = PROTOCOL_VERSION + 1;
    assert_eq!(store.append(vault(), device(1), &newer).unwrap_err().kind(), ErrorKind::UnsupportedVersion);
    let mut zero = chain(device(1), 1, 40, 1);
    zero[0].seq = Seq(0);
    assert_eq!(store.append(vault(), device(1), &zero).unwrap_err().kind(), ErrorKind::BadRequest);
    assert!(store.status(vault()).unwrap().devices.is_empty());
}

#[test]
fn status_reports_gaps_and_downloads_stop_at_them_until_they_fill() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir, Limits::default());
    let records = chain(device(1), 6, 40, 1);
    // 1, 2, then 4 to 6: record 3 is late.
    store.append(vault(), device(1), &records[..2]).unwrap();
    let late = store.append(vault(), device(1), &records[3..]).unwrap();
    assert_eq!(late.contiguous, Seq(2));
    let status = store.status(vault()).unwrap();
    let mine = &status.devices[0];
    assert_eq!((mine.contiguous, mine.beyond_gap.len()), (Seq(2), 1));
    assert_eq!((mine.beyond_gap[0].first, mine.beyond_gap[0].last), (Seq(4), Seq(6)));
    let seen = everything(&store);
    assert_eq!(seen, records[..2], "a download never jumps the gap");

    let filled = store.append(vault(), device(1), &records[2..3]).unwrap();
    assert_eq!(filled.contiguous, Seq(6));
    let page = store
        .download(
            vault(),
            &DownloadRequest { cursors: vec![Cursor { device: device(1), after: Seq(2) }], max_bytes: None },
        )
        .unwrap();
    assert_eq!(page.records, records[2..], "from the cursor on, nothing twice");
}

#[test]
fn pages_are_bounded_in_bytes_and_records_and_together_hold_every_record_once_after_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits { max_page_bytes: 4_000, max_page_records: 7, ..Limits::default() };
    let mut expected = Vec::new();
    {
        let mut store = open(&dir, limits);
        for d in 1..=3 {
            let records = chain(device(d), 20, 300, d as u8);
            store.append(vault(), device(d), &records).unwrap();
            expected.extend(records);
        }
    }
    let store = open(&dir, limits);
    let mut request = DownloadRequest::default();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.download(vault(), &request).unwrap();
        pages += 1;
        assert!(!page.records.is_empty(), "a page that says more holds something");
        assert!(page.records.len() <= 7);
        assert!(page.records.iter().map(|r| r.stored_len()).sum::<usize>() <= 4_000);
        all.extend(page.records);
        request.cursors = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(all, expected);
    assert!(pages >= 60 / 7, "{pages} pages");
    // Nothing in the file but ciphertext and identities: no record's plaintext ever reaches it.
    assert!(all.iter().all(|r| r.check().is_ok()));
}

#[test]
fn an_upload_past_a_quota_stores_nothing_and_says_which_quota() {
    let dir = tempfile::tempdir().unwrap();
    let records = chain(device(1), 10, 300, 1);
    let per_record = records[0].stored_len() as u64;
    let limits = Limits { max_device_bytes: per_record * 5, ..Limits::default() };
    let mut store = open(&dir, limits);
    store.append(vault(), device(1), &records[..4]).unwrap();
    let error = store.append(vault(), device(1), &records[4..6]).unwrap_err();
    assert!(matches!(error, StoreError::Quota { scope: spearmint_server::QuotaScope::Device, .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(everything(&store), records[..4], "all or nothing: record 5 was not kept either");
    store.append(vault(), device(1), &records[4..5]).unwrap();
    // A replay stores nothing, so it costs nothing.
    store.append(vault(), device(1), &records[..5]).unwrap();

    // An account's devices share its quota.
    let account = store.create_account("ana", "not a real hash", 0).unwrap();
    store.claim_vault(account, vault()).unwrap();
    let limits = Limits { max_device_bytes: u64::MAX, max_account_bytes: per_record * 7, ..Limits::default() };
    drop(store);
    let mut store = open(&dir, limits);
    let other = chain(device(2), 3, 300, 2);
    store.append(vault(), device(2), &other[..2]).unwrap();
    let error = store.append(vault(), device(2), &other[2..]).unwrap_err();
    assert!(matches!(error, StoreError::Quota { scope: spearmint_server::QuotaScope::Account, .. }), "{error:?}");
}
