//! The store's conformance suite, run on both backends: a real SQLite file and a real
//! PostgreSQL database (the throwaway cluster `cargo xtask test` starts; each test gets a
//! database of its own). Records are stored once, replays are no-ops, a different record at a
//! held place is a conflict and never replaces it, gaps are reported and never downloaded
//! past, pages are bounded, quotas hold, accounts, devices and tokens behave alike, and all of
//! it survives reopening the store. `migrate` moves a SQLite store into PostgreSQL whole.

use spearmint_server::{AccountId, Limits, PgStore, SqliteStore, Store, StoreError, TokenKind};
use spearmint_sync_proto::{
    ContentHash, Cover, Cursor, DeviceId, DownloadRequest, Envelope, ErrorKind, KeyBundle, KeyEpoch, MAX_CHUNK_BYTES,
    PROTOCOL_VERSION, Seq, SnapshotChunk, SnapshotId, SnapshotManifest, SnapshotState, UploadOutcome, VaultId,
    WrappedKey,
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

/// Where a test's store lives; `open` opens it again on the same data.
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Backend {
    fn sqlite() -> Backend {
        Backend::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh database in the cluster `SPEARMINT_TEST_POSTGRES` names.
    fn postgres() -> Backend {
        let admin = std::env::var("SPEARMINT_TEST_POSTGRES").expect(
            "this test uses a real PostgreSQL: run it with `cargo xtask test`, which starts one \
             (or set SPEARMINT_TEST_POSTGRES to a superuser's postgres:// URL)",
        );
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("store_{}_{nanos}", std::process::id());
        let mut client = ::postgres::Client::connect(&admin, ::postgres::NoTls).unwrap();
        client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        Backend::Postgres(format!("{base}/{name}"))
    }

    fn open(&self, limits: Limits) -> Box<dyn Store> {
        match self {
            Backend::Sqlite(dir) => Box::new(SqliteStore::open(&dir.path().join("server.db"), limits).unwrap()),
            Backend::Postgres(uri) => Box::new(PgStore::open(uri, limits).unwrap()),
        }
    }
}

/// Each test below, once per backend: `sqlite::NAME` and `postgres::NAME`.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&super::Backend::sqlite()) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(&super::Backend::postgres()) })*
        }
    };
}

conformance!(
    a_replay_changes_nothing_and_another_record_at_a_held_seq_is_a_conflict_not_a_loss,
    a_record_that_does_not_follow_the_one_held_before_it_is_refused_and_nothing_of_the_upload_is_kept,
    a_device_writes_only_its_own_log_and_only_records_of_this_protocol,
    status_reports_gaps_and_downloads_stop_at_them_until_they_fill,
    pages_are_bounded_in_bytes_and_records_and_together_hold_every_record_once_after_a_reopen,
    an_upload_past_a_quota_stores_nothing_and_says_which_quota,
    accounts_devices_and_tokens_behave_alike,
    a_vault_and_its_keys_belong_to_one_account,
    a_vault_s_keys_change_only_from_the_bundle_held_to_its_successor,
    the_crowd_answers_a_seller_only_once_three_accounts_agree,
    a_snapshot_uploads_chunk_by_chunk_resumes_and_becomes_the_latest_with_its_last_chunk,
    a_snapshot_covering_less_than_the_latest_is_refused_and_a_new_latest_drops_what_it_covers,
    a_log_cut_by_compaction_still_refuses_a_fork_at_the_cut,
    snapshot_chunks_count_towards_their_author_s_quota_until_they_are_dropped,
    compaction_cuts_the_covered_prefix_every_active_device_read_and_nothing_younger,
    a_revoked_device_or_one_not_seen_within_the_retention_does_not_hold_compaction_back,
    compaction_gives_the_device_s_quota_back,
    reads_noted_before_the_vault_has_a_latest_snapshot_are_not_kept,
);

fn everything(store: &mut dyn Store) -> Vec<Envelope> {
    everything_after(store, Vec::new())
}

/// Every record after `cursors`, page by page.
fn everything_after(store: &mut dyn Store, cursors: Vec<Cursor>) -> Vec<Envelope> {
    let mut request = DownloadRequest { cursors, max_bytes: None };
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

fn a_replay_changes_nothing_and_another_record_at_a_held_seq_is_a_conflict_not_a_loss(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let records = chain(device(1), 3, 40, 1);
    let first = store.append(vault(), device(1), &records).unwrap();
    assert_eq!(first.outcomes, (1..=3).map(|s| UploadOutcome::Stored { seq: Seq(s) }).collect::<Vec<_>>());
    assert_eq!(first.contiguous, Seq(3));

    let again = store.append(vault(), device(1), &records).unwrap();
    assert_eq!(again.outcomes, (1..=3).map(|s| UploadOutcome::Duplicate { seq: Seq(s) }).collect::<Vec<_>>());

    let other = chain(device(1), 3, 40, 2);
    let forked = store.append(vault(), device(1), &other[2..]).unwrap();
    assert_eq!(forked.outcomes, vec![UploadOutcome::Conflict { seq: Seq(3), held: records[2].content_hash() }]);
    assert_eq!(everything(store.as_mut()), records, "the first record at each place stays");
}

fn a_record_that_does_not_follow_the_one_held_before_it_is_refused_and_nothing_of_the_upload_is_kept(
    backend: &Backend,
) {
    let mut store = backend.open(Limits::default());
    let mine = chain(device(1), 2, 40, 1);
    store.append(vault(), device(1), &mine[..1]).unwrap();
    let mut stray = chain(device(1), 3, 40, 9);
    stray[1].prev = Some(ContentHash([7; 32]));
    let error = store.append(vault(), device(1), &stray[1..]).unwrap_err();
    assert!(matches!(error, StoreError::Fork { seq: Seq(2), prev: Seq(1) }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(everything(store.as_mut()), mine[..1], "the upload was all or nothing");
}

fn a_device_writes_only_its_own_log_and_only_records_of_this_protocol(backend: &Backend) {
    let mut store = backend.open(Limits::default());
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

fn status_reports_gaps_and_downloads_stop_at_them_until_they_fill(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let records = chain(device(1), 6, 40, 1);
    // 1, 2, then 4 to 6: record 3 is late.
    store.append(vault(), device(1), &records[..2]).unwrap();
    let late = store.append(vault(), device(1), &records[3..]).unwrap();
    assert_eq!(late.contiguous, Seq(2));
    let status = store.status(vault()).unwrap();
    let mine = &status.devices[0];
    assert_eq!((mine.contiguous, mine.beyond_gap.len()), (Seq(2), 1));
    assert_eq!((mine.beyond_gap[0].first, mine.beyond_gap[0].last), (Seq(4), Seq(6)));
    let seen = everything(store.as_mut());
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

fn pages_are_bounded_in_bytes_and_records_and_together_hold_every_record_once_after_a_reopen(backend: &Backend) {
    let limits = Limits { max_page_bytes: 4_000, max_page_records: 7, ..Limits::default() };
    let mut expected = Vec::new();
    {
        let mut store = backend.open(limits);
        for d in 1..=3 {
            let records = chain(device(d), 20, 300, d as u8);
            store.append(vault(), device(d), &records).unwrap();
            expected.extend(records);
        }
    }
    let mut store = backend.open(limits);
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

fn an_upload_past_a_quota_stores_nothing_and_says_which_quota(backend: &Backend) {
    let records = chain(device(1), 10, 300, 1);
    let per_record = records[0].stored_len() as u64;
    let limits = Limits { max_device_bytes: per_record * 5, ..Limits::default() };
    let mut store = backend.open(limits);
    store.append(vault(), device(1), &records[..4]).unwrap();
    let error = store.append(vault(), device(1), &records[4..6]).unwrap_err();
    assert!(matches!(error, StoreError::Quota { scope: spearmint_server::QuotaScope::Device, .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::QuotaExceeded);
    assert_eq!(everything(store.as_mut()), records[..4], "all or nothing: record 5 was not kept either");
    store.append(vault(), device(1), &records[4..5]).unwrap();
    // A replay stores nothing, so it costs nothing.
    store.append(vault(), device(1), &records[..5]).unwrap();

    // An account's devices share its quota.
    let account = store.create_account("ana", "not a real hash", 0).unwrap();
    store.claim_vault(account, vault()).unwrap();
    let limits = Limits { max_device_bytes: u64::MAX, max_account_bytes: per_record * 7, ..Limits::default() };
    drop(store);
    let mut store = backend.open(limits);
    let other = chain(device(2), 3, 300, 2);
    store.append(vault(), device(2), &other[..2]).unwrap();
    let error = store.append(vault(), device(2), &other[2..]).unwrap_err();
    assert!(matches!(error, StoreError::Quota { scope: spearmint_server::QuotaScope::Account, .. }), "{error:?}");
}

fn accounts_devices_and_tokens_behave_alike(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let ana = store.create_account("ana", "hash of ana", 10).unwrap();
    assert!(matches!(store.create_account("ana", "another", 11), Err(StoreError::UserTaken)));
    let bo = store.create_account("bo", "hash of bo", 12).unwrap();
    assert_ne!(ana, bo);
    assert_eq!(store.password_hash("ana").unwrap(), Some((ana, "hash of ana".to_owned())));
    assert_eq!(store.password_hash("nobody").unwrap(), None);

    store.register_device(ana, device(1), "laptop", 20).unwrap();
    store.register_device(ana, device(1), "laptop again", 21).unwrap();
    assert!(matches!(store.register_device(bo, device(1), "stolen", 22), Err(StoreError::DeviceOfAnotherAccount)));
    store.register_device(ana, device(2), "phone", 23).unwrap();

    // A login's tokens; a refresh issues new ones with the refresh token as their parent.
    let (access, refresh) = ([1u8; 32], [2u8; 32]);
    store.store_token(&access, TokenKind::Access, device(1), 1_000, 30, None).unwrap();
    store.store_token(&refresh, TokenKind::Refresh, device(1), 9_000, 30, None).unwrap();
    let caller = store.redeem_token(&access, TokenKind::Access, 40).unwrap().unwrap();
    assert_eq!((caller.account, caller.device), (ana, device(1)));
    assert_eq!(
        store.redeem_token(&access, TokenKind::Refresh, 40).unwrap(),
        None,
        "an access token is not a refresh token"
    );
    assert_eq!(store.redeem_token(&access, TokenKind::Access, 1_000).unwrap(), None, "expired");
    assert!(store.redeem_token(&refresh, TokenKind::Refresh, 50).unwrap().is_some());
    let (access2, refresh2) = ([3u8; 32], [4u8; 32]);
    store.store_token(&access2, TokenKind::Access, device(1), 2_000, 50, Some(&refresh)).unwrap();
    store.store_token(&refresh2, TokenKind::Refresh, device(1), 9_000, 50, Some(&refresh)).unwrap();
    // The answer may have been lost: the old refresh token still works until the new one is used.
    assert!(store.redeem_token(&refresh, TokenKind::Refresh, 60).unwrap().is_some());
    assert_eq!(store.redeem_token(&refresh2, TokenKind::Refresh, 60).unwrap(), None, "retired by the redo above");
    let (access3, refresh3) = ([5u8; 32], [6u8; 32]);
    store.store_token(&access3, TokenKind::Access, device(1), 2_000, 60, Some(&refresh)).unwrap();
    store.store_token(&refresh3, TokenKind::Refresh, device(1), 9_000, 60, Some(&refresh)).unwrap();
    assert!(store.redeem_token(&refresh3, TokenKind::Refresh, 70).unwrap().is_some());
    assert_eq!(
        store.redeem_token(&refresh, TokenKind::Refresh, 70).unwrap(),
        None,
        "retired once its successor was used"
    );

    // Revoking a device ends its tokens at once and keeps it out.
    let devices = store.devices(ana).unwrap();
    assert_eq!(
        devices.iter().map(|d| (d.device, d.name.as_str(), d.revoked)).collect::<Vec<_>>(),
        [(device(1), "laptop again", false), (device(2), "phone", false)]
    );
    assert!(!store.revoke_device(bo, device(1)).unwrap(), "not bo's device");
    assert!(store.revoke_device(ana, device(1)).unwrap());
    assert_eq!(store.redeem_token(&access3, TokenKind::Access, 80).unwrap(), None);
    assert!(matches!(store.register_device(ana, device(1), "laptop", 90), Err(StoreError::DeviceRevoked)));
    assert!(store.devices(ana).unwrap()[0].revoked);
    assert!(store.devices(bo).unwrap().is_empty());
}

fn a_vault_and_its_keys_belong_to_one_account(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let ana = store.create_account("ana", "h", 0).unwrap();
    let bo = store.create_account("bo", "h", 0).unwrap();
    assert_eq!(store.keys(ana, vault()).unwrap(), None);
    let bundle = keys(0, 1);
    store.put_keys(ana, vault(), &bundle).unwrap();
    assert_eq!(store.keys(ana, vault()).unwrap(), Some(bundle.clone()));
    assert_eq!(store.vaults(ana).unwrap(), [vault()]);
    assert!(store.vaults(bo).unwrap().is_empty());
    for refused in
        [store.claim_vault(bo, vault()), store.check_vault(bo, vault()), store.put_keys(bo, vault(), &bundle)]
    {
        assert!(matches!(refused, Err(StoreError::VaultOfAnotherAccount)), "{refused:?}");
    }
    assert!(matches!(store.keys(bo, vault()), Err(StoreError::VaultOfAnotherAccount)));
    drop(store);
    assert_eq!(backend.open(Limits::default()).keys(ana, vault()).unwrap(), Some(bundle), "kept");
}

/// A bundle at `revision` with `epochs` wrapped keys.
fn keys(revision: u64, epochs: u32) -> KeyBundle {
    KeyBundle {
        revision,
        phrase: 0,
        keys: (0..epochs)
            .map(|e| WrappedKey { epoch: KeyEpoch(e), nonce: [9; 24], ciphertext: vec![e as u8, 2, 3] })
            .collect(),
        devices: Vec::new(),
        grants: Vec::new(),
    }
}

/// Two devices that change the keys at once (one rotates, one adds its public key): the second
/// is refused, with what is held, instead of replacing the first's change.
fn a_vault_s_keys_change_only_from_the_bundle_held_to_its_successor(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let ana = store.create_account("ana", "h", 0).unwrap();
    let refused = store.put_keys(ana, vault(), &keys(1, 1));
    assert!(matches!(refused, Err(StoreError::KeysChanged { held: 0, sent: 1 })), "a first bundle is 0: {refused:?}");
    store.put_keys(ana, vault(), &keys(0, 1)).unwrap();
    store.put_keys(ana, vault(), &keys(1, 2)).unwrap();
    for stale in [keys(1, 3), keys(0, 3), keys(3, 3)] {
        let refused = store.put_keys(ana, vault(), &stale);
        assert!(matches!(refused, Err(StoreError::KeysChanged { held: 1, .. })), "{refused:?}");
        assert_eq!(refused.unwrap_err().kind(), ErrorKind::Conflict);
    }
    assert_eq!(store.keys(ana, vault()).unwrap(), Some(keys(1, 2)), "the refused ones changed nothing");
    store.put_keys(ana, vault(), &keys(2, 3)).unwrap();
    assert_eq!(store.keys(ana, vault()).unwrap().unwrap().keys.len(), 3);
}

/// A deployment moves from SQLite to PostgreSQL whole: the same records, pages, heads, quota
/// usage, accounts, devices and tokens, so devices carry on without signing in again; the
/// snapshots (the latest and one still uploading), the devices' reads and what compaction cut
/// (a log's cut and its records' ages); and a second migration into the now full database is
/// refused without writing anything.
#[test]
fn migrate_moves_a_sqlite_store_into_postgres_whole() {
    let from = Backend::sqlite();
    let now = unix_now() + 1_000;
    let mut expected = Vec::new();
    let mut logs = Vec::new();
    let (ana, access) = {
        let mut store = from.open(Limits::default());
        let ana = store.create_account("ana", "hash of ana", 1).unwrap();
        store.register_device(ana, device(1), "laptop", 2).unwrap();
        store.claim_vault(ana, vault()).unwrap();
        store.put_keys(ana, vault(), &keys(0, 0)).unwrap();
        store.store_token(&[7; 32], TokenKind::Access, device(1), 5_000, 3, None).unwrap();
        for d in 1..=2 {
            let records = chain(device(d), 30, 200, d as u8);
            store.append(vault(), device(d), &records[..25]).unwrap();
            // A gap: 26 is missing, 27 to 30 wait beyond it.
            store.append(vault(), device(d), &records[26..]).unwrap();
            logs.push(records);
        }
        // Both devices seen now, both read everything held, a snapshot through device 1's 10
        // and device 2's 5: compacted. Device 2 is uploading another meanwhile.
        store.register_device(ana, device(1), "laptop", now).unwrap();
        store.register_device(ana, device(2), "phone", now).unwrap();
        let snapshot = manifest(1, device(1), 2, &[&logs[0][9], &logs[1][4]]);
        upload(store.as_mut(), &snapshot, 1).unwrap();
        store.note_reads(vault(), device(1), &[Cursor { device: device(2), after: Seq(25) }]).unwrap();
        store.note_reads(vault(), device(2), &[Cursor { device: device(1), after: Seq(25) }]).unwrap();
        assert_eq!(store.compact(vault(), now, 0).unwrap(), 10 + 5);
        let next = manifest(2, device(2), 3, &[&logs[0][19], &logs[1][19]]);
        store.put_snapshot(vault(), &next, 100).unwrap();
        store.put_snapshot_chunk(vault(), device(2), next.id, &chunk(1, 64, 2)).unwrap();
        expected.extend_from_slice(&logs[0][10..25]);
        expected.extend_from_slice(&logs[1][5..25]);
        (ana, [7u8; 32])
    };
    let cut = || vec![Cursor { device: device(1), after: Seq(10) }, Cursor { device: device(2), after: Seq(5) }];
    let before = from.open(Limits::default()).status(vault()).unwrap();
    let Backend::Sqlite(dir) = &from else { unreachable!() };
    let Backend::Postgres(uri) = Backend::postgres() else { unreachable!() };
    let mut target = PgStore::open(&uri, Limits::default()).unwrap();
    let report = spearmint_server::sqlite_to_postgres(&dir.path().join("server.db"), &mut target).unwrap();
    for moved in [("records", 58 - 15), ("heads", 2), ("snapshots", 2), ("snapshot_chunks", 3), ("reads", 2)] {
        assert!(report.contains(&moved), "{moved:?}: {report:?}");
    }

    assert_eq!(everything_after(&mut target, cut()), expected);
    assert_eq!(target.status(vault()).unwrap(), before, "heads and gaps moved too");
    let refused = target.download(vault(), &DownloadRequest::default()).unwrap_err();
    assert!(matches!(refused, StoreError::Compacted { device: d, through: Seq(10) } if d == device(1)), "{refused}");
    let replay = target.append(vault(), device(2), &logs[1][..5]).unwrap();
    assert_eq!(replay.outcomes, (1..=5).map(|s| UploadOutcome::Duplicate { seq: Seq(s) }).collect::<Vec<_>>());
    let snapshot = manifest(1, device(1), 2, &[&logs[0][9], &logs[1][4]]);
    assert_eq!(target.latest_snapshot(vault()).unwrap(), Some(snapshot.clone()));
    for index in 0..2 {
        assert_eq!(target.snapshot_chunk(vault(), snapshot.id, index).unwrap(), Some(chunk(index, 64, 1)));
    }
    let next = manifest(2, device(2), 3, &[&logs[0][19], &logs[1][19]]);
    assert_eq!(target.snapshot_state(vault(), next.id).unwrap(), state(&[0, 2], false), "the upload resumes");
    let caller = target.redeem_token(&access, TokenKind::Access, 10).unwrap().unwrap();
    assert_eq!((caller.account, caller.device), (ana, device(1)), "a device's token still works");
    assert_eq!(target.keys(ana, vault()).unwrap(), Some(keys(0, 0)));
    // New accounts do not collide with moved ones.
    let new = target.create_account("bo", "h", 20).unwrap();
    assert_ne!(new, ana);
    assert!(new.0 > AccountId(ana.0).0);

    let again = spearmint_server::sqlite_to_postgres(&dir.path().join("server.db"), &mut target).unwrap_err();
    assert!(matches!(again, spearmint_server::MigrateError::TargetNotEmpty), "{again}");
    assert_eq!(everything_after(&mut target, cut()).len(), expected.len(), "nothing was written twice");

    // The upload completes on PostgreSQL; the records kept their ages (young within 90 days)
    // and the devices' reads came along (both read through 25).
    for index in [0, 2] {
        target.put_snapshot_chunk(vault(), device(2), next.id, &chunk(index, 64, 2)).unwrap();
    }
    assert_eq!(target.latest_snapshot(vault()).unwrap(), Some(next.clone()));
    assert_eq!(target.snapshot_chunk(vault(), snapshot.id, 0).unwrap(), None, "the first was covered: dropped");
    assert_eq!(target.compact(vault(), now, NINETY_DAYS).unwrap(), 0);
    assert_eq!(target.compact(vault(), now, 0).unwrap(), 10 + 15);

    // The quota's usage moved as compaction left it: device 1 holds 11..=25 and 27..=30 (19
    // records) less the 10 just cut, so record 26 fits in 10 records' room and not in less.
    let per_record = logs[0][0].stored_len() as u64;
    let tight = Limits { max_device_bytes: per_record * 10 - 1, ..Limits::default() };
    let refused = PgStore::open(&uri, tight).unwrap().append(vault(), device(1), &logs[0][25..26]).unwrap_err();
    assert!(matches!(refused, StoreError::Quota { .. }), "{refused:?}");
    let room = Limits { max_device_bytes: per_record * 10, ..Limits::default() };
    let filled = PgStore::open(&uri, room).unwrap().append(vault(), device(1), &logs[0][25..26]).unwrap();
    assert_eq!(filled.contiguous, Seq(30));
}

/// TLS to PostgreSQL (`sslmode=require`): the connection is encrypted, as the database itself
/// reports, and only to a database whose certificate the named CA signed. The test turns TLS on
/// in the test cluster with a certificate minted here; plain connections go on meanwhile.
#[test]
fn postgres_over_tls_is_encrypted_and_only_with_a_trusted_certificate() {
    let Backend::Postgres(uri) = Backend::postgres() else { unreachable!() };
    let tls = ClusterTls::turn_on();
    let with_ca = |ca: &std::path::Path| format!("{uri}?sslmode=require&sslrootcert={}", ca.display());

    let mut store = PgStore::open(&with_ca(&tls.ca), Limits::default()).unwrap();
    assert!(store.encrypted().unwrap(), "the database reports the connection as TLS");
    store.create_account("ana", "hash of ana", 1).unwrap();
    let mut plain = PgStore::open(&uri, Limits::default()).unwrap();
    assert!(!plain.encrypted().unwrap(), "without sslmode the connection stays plain");
    assert!(plain.create_account("ana", "h", 2).is_err(), "both see the one database");

    let other = spearmint_sandbox_bank::test_certificate().unwrap();
    let stranger = tls.dir.path().join("other-ca.pem");
    std::fs::write(&stranger, other.ca_pem).unwrap();
    let refused = PgStore::open(&with_ca(&stranger), Limits::default()).unwrap_err();
    assert!(matches!(refused, StoreError::DatabaseCertificate(_)), "{refused}");
    assert!(refused.to_string().contains("sslrootcert"), "the message says what to give: {refused}");
}

/// TLS on in the test cluster, with a certificate for 127.0.0.1 from a CA minted here; off again
/// when dropped.
struct ClusterTls {
    admin: ::postgres::Client,
    dir: tempfile::TempDir,
    ca: std::path::PathBuf,
}

impl ClusterTls {
    fn turn_on() -> ClusterTls {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
        let admin_uri = std::env::var("SPEARMINT_TEST_POSTGRES").unwrap();
        let mut admin = ::postgres::Client::connect(&admin_uri, ::postgres::NoTls).unwrap();
        // The cluster's own processes read the files: they must own the key and enter the
        // directory.
        let data: String = admin.query_one("SHOW data_directory", &[]).unwrap().get(0);
        let owner = std::fs::metadata(&data).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let certificate = spearmint_sandbox_bank::test_certificate().unwrap();
        let write = |name: &str, text: &str, mode: u32| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            std::os::unix::fs::chown(&path, Some(owner.uid()), Some(owner.gid())).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            path
        };
        let cert = write("server.crt", &certificate.chain_pem, 0o644);
        let key = write("server.key", &certificate.key_pem, 0o600);
        let ca = write("ca.pem", &certificate.ca_pem, 0o644);
        for setting in [format!("ssl_cert_file = '{}'", cert.display()), format!("ssl_key_file = '{}'", key.display())]
        {
            admin.batch_execute(&format!("ALTER SYSTEM SET {setting}")).unwrap();
        }
        admin.batch_execute("ALTER SYSTEM SET ssl = on").unwrap();
        admin.batch_execute("SELECT pg_reload_conf()").unwrap();
        // The reload is the postmaster's, a moment later: a new connection sees it.
        for _ in 0..100 {
            let mut fresh = ::postgres::Client::connect(&admin_uri, ::postgres::NoTls).unwrap();
            let on: String = fresh.query_one("SHOW ssl", &[]).unwrap().get(0);
            if on == "on" {
                return ClusterTls { admin, dir, ca };
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the test cluster did not turn TLS on: its log says why");
    }
}

impl Drop for ClusterTls {
    fn drop(&mut self) {
        for setting in ["ssl", "ssl_cert_file", "ssl_key_file"] {
            let _ = self.admin.batch_execute(&format!("ALTER SYSTEM RESET {setting}"));
        }
        let _ = self.admin.batch_execute("SELECT pg_reload_conf()");
    }
}

fn the_crowd_answers_a_seller_only_once_three_accounts_agree(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let accounts: Vec<AccountId> =
        ["a", "b", "c", "d"].iter().map(|n| store.create_account(n, "h", 0).unwrap()).collect();
    let (taco, pizza) = ([1u8; 32], [2u8; 32]);
    let vote = |category: &str| category.to_owned();
    store.put_votes(accounts[0], &[(taco, vote("FOOD_RESTAURANTS")), (pizza, vote("FOOD"))], 1).unwrap();
    store.put_votes(accounts[1], &[(taco, vote("FOOD_RESTAURANTS"))], 1).unwrap();
    assert!(store.crowd(&[taco, pizza], 3).unwrap().is_empty(), "two accounts are not a crowd");
    // An account that votes again still counts once.
    store.put_votes(accounts[1], &[(taco, vote("FOOD_RESTAURANTS"))], 2).unwrap();
    assert!(store.crowd(&[taco], 3).unwrap().is_empty());
    store.put_votes(accounts[2], &[(taco, vote("SHOPPING"))], 3).unwrap();
    assert!(store.crowd(&[taco], 3).unwrap().is_empty(), "three accounts that do not agree");
    store.put_votes(accounts[3], &[(taco, vote("FOOD_RESTAURANTS"))], 4).unwrap();
    assert_eq!(store.crowd(&[taco, pizza], 3).unwrap(), vec![(taco, "FOOD_RESTAURANTS".to_owned(), 3)]);
    // A changed vote replaces the account's earlier one: two and two, no crowd.
    store.put_votes(accounts[3], &[(taco, vote("SHOPPING"))], 5).unwrap();
    assert!(store.crowd(&[taco], 3).unwrap().is_empty());
    drop(store);
    assert_eq!(
        backend.open(Limits::default()).crowd(&[taco], 2).unwrap(),
        vec![(taco, "FOOD_RESTAURANTS".to_owned(), 2)],
        "kept; ties go to the smaller id"
    );
}

/// A snapshot `id` by `author` in `chunks` chunks, covering each log through the record given.
fn manifest(id: u128, author: DeviceId, chunks: u32, covers: &[&Envelope]) -> SnapshotManifest {
    SnapshotManifest {
        id: SnapshotId(Uuid::from_u128(0x5a << 64 | id)),
        author,
        epoch: KeyEpoch(0),
        chunks,
        covers: covers.iter().map(|r| Cover { device: r.device, seq: r.seq, hash: r.content_hash() }).collect(),
    }
}

/// Chunk `index`, `len` bytes of ciphertext tagged `tag`.
fn chunk(index: u32, len: usize, tag: u8) -> SnapshotChunk {
    SnapshotChunk { index, nonce: [tag; 24], ciphertext: vec![tag; len] }
}

/// Uploads `manifest` and all its chunks (tagged `tag`); returns the last answer.
fn upload(store: &mut dyn Store, manifest: &SnapshotManifest, tag: u8) -> Result<SnapshotState, StoreError> {
    let mut state = store.put_snapshot(vault(), manifest, 100)?;
    for index in 0..manifest.chunks {
        state = store.put_snapshot_chunk(vault(), manifest.author, manifest.id, &chunk(index, 64, tag))?;
    }
    Ok(state)
}

fn state(missing: &[u32], latest: bool) -> SnapshotState {
    SnapshotState { missing: missing.to_vec(), latest }
}

/// Seconds since the Unix epoch, the clock records are stamped with as they are stored.
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Ninety days, in seconds: a retention window every record of a test is younger than.
const NINETY_DAYS: i64 = 90 * 24 * 3600;

/// A download from `cursors` (the first page).
fn download_from(store: &mut dyn Store, cursors: &[(u128, u64)]) -> Result<Vec<Envelope>, StoreError> {
    let cursors = cursors.iter().map(|&(d, after)| Cursor { device: device(d), after: Seq(after) }).collect();
    Ok(store.download(vault(), &DownloadRequest { cursors, max_bytes: None })?.records)
}

fn a_snapshot_uploads_chunk_by_chunk_resumes_and_becomes_the_latest_with_its_last_chunk(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let records = chain(device(1), 5, 40, 1);
    store.append(vault(), device(1), &records).unwrap();
    let snapshot = manifest(1, device(1), 3, &[&records[4]]);

    assert_eq!(store.put_snapshot(vault(), &snapshot, 100).unwrap(), state(&[0, 1, 2], false));
    assert_eq!(store.put_snapshot(vault(), &snapshot, 101).unwrap(), state(&[0, 1, 2], false), "a repeat");
    let mut other = snapshot.clone();
    other.chunks = 4;
    assert!(matches!(store.put_snapshot(vault(), &other, 102), Err(StoreError::SnapshotMismatch)));
    let mut malformed = manifest(2, device(1), 1, &[&records[4]]);
    malformed.chunks = 0;
    let refused = store.put_snapshot(vault(), &malformed, 103).unwrap_err();
    assert!(matches!(refused, StoreError::Manifest(_)), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::BadRequest);
    assert!(matches!(store.snapshot_state(vault(), malformed.id), Err(StoreError::NoSuchSnapshot)));
    assert_eq!(store.latest_snapshot(vault()).unwrap(), None, "not before its chunks");

    let put = |store: &mut dyn Store, author: DeviceId, chunk: &SnapshotChunk| {
        store.put_snapshot_chunk(vault(), author, snapshot.id, chunk)
    };
    let refused = store.put_snapshot_chunk(vault(), device(1), malformed.id, &chunk(0, 64, 1)).unwrap_err();
    assert!(matches!(refused, StoreError::NoSuchSnapshot), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::NotFound);
    let refused = put(store.as_mut(), device(2), &chunk(0, 64, 1)).unwrap_err();
    assert!(matches!(refused, StoreError::NotTheAuthor), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::Forbidden);
    let refused = put(store.as_mut(), device(1), &chunk(3, 64, 1)).unwrap_err();
    assert!(matches!(refused, StoreError::ChunkOutOfRange { index: 3, chunks: 3 }), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::BadRequest);
    let refused = put(store.as_mut(), device(1), &chunk(0, MAX_CHUNK_BYTES + 1, 1)).unwrap_err();
    assert!(matches!(refused, StoreError::ChunkSize { len } if len == MAX_CHUNK_BYTES + 1), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::TooLarge);
    let refused = put(store.as_mut(), device(1), &chunk(0, 15, 1)).unwrap_err();
    assert!(matches!(refused, StoreError::ChunkSize { len: 15 }), "shorter than a tag: {refused}");
    assert_eq!(store.snapshot_state(vault(), snapshot.id).unwrap(), state(&[0, 1, 2], false), "nothing kept");

    let chunks = [chunk(0, 16, 10), chunk(1, 5_000, 11), chunk(2, MAX_CHUNK_BYTES, 12)];
    assert_eq!(put(store.as_mut(), device(1), &chunks[1]).unwrap(), state(&[0, 2], false));
    assert_eq!(put(store.as_mut(), device(1), &chunks[1]).unwrap(), state(&[0, 2], false), "a repeat");
    let refused = put(store.as_mut(), device(1), &chunk(1, 5_000, 13)).unwrap_err();
    assert!(matches!(refused, StoreError::SnapshotMismatch), "another chunk at a held index: {refused}");
    assert_eq!(refused.kind(), ErrorKind::Conflict);

    // The upload is interrupted; the author comes back (to another server process) and resumes.
    drop(store);
    let mut store = backend.open(Limits::default());
    assert_eq!(store.snapshot_state(vault(), snapshot.id).unwrap(), state(&[0, 2], false));
    assert_eq!(store.put_snapshot(vault(), &snapshot, 200).unwrap(), state(&[0, 2], false), "names what is missing");
    assert_eq!(put(store.as_mut(), device(1), &chunks[2]).unwrap(), state(&[0], false));
    assert_eq!(store.latest_snapshot(vault()).unwrap(), None, "not before its last chunk");
    assert_eq!(put(store.as_mut(), device(1), &chunks[0]).unwrap(), state(&[], true));

    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(snapshot.clone()));
    assert_eq!(store.snapshot_state(vault(), snapshot.id).unwrap(), state(&[], true));
    assert_eq!(store.put_snapshot(vault(), &snapshot, 300).unwrap(), state(&[], true), "a repeat once latest");
    assert_eq!(put(store.as_mut(), device(1), &chunks[1]).unwrap(), state(&[], true), "a repeat once latest");
    drop(store);
    let mut store = backend.open(Limits::default());
    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(snapshot.clone()), "kept");
    for held in &chunks {
        assert_eq!(store.snapshot_chunk(vault(), snapshot.id, held.index).unwrap().as_ref(), Some(held));
    }
    assert_eq!(store.snapshot_chunk(vault(), snapshot.id, 3).unwrap(), None);
    assert_eq!(store.snapshot_chunk(vault(), malformed.id, 0).unwrap(), None);
}

fn a_snapshot_covering_less_than_the_latest_is_refused_and_a_new_latest_drops_what_it_covers(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let (one, two) = (chain(device(1), 6, 40, 1), chain(device(2), 4, 40, 2));
    store.append(vault(), device(1), &one).unwrap();
    store.append(vault(), device(2), &two).unwrap();

    let first = manifest(1, device(1), 2, &[&one[2], &two[1]]);
    assert_eq!(upload(store.as_mut(), &first, 1).unwrap(), state(&[], true));
    // Device 2's records 1 and 2 would be lost: refused at once.
    let less = manifest(2, device(2), 1, &[&one[4]]);
    let refused = store.put_snapshot(vault(), &less, 100).unwrap_err();
    assert!(matches!(refused, StoreError::SnapshotSuperseded), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::Conflict);
    assert!(matches!(store.snapshot_state(vault(), less.id), Err(StoreError::NoSuchSnapshot)), "not kept");

    // Device 2 starts one that covers all of the first; meanwhile device 1 completes one that
    // covers more of device 1's log and less of device 2's than device 2's does.
    let slow = manifest(3, device(2), 2, &[&one[4], &two[3]]);
    assert_eq!(store.put_snapshot(vault(), &slow, 100).unwrap(), state(&[0, 1], false));
    assert_eq!(store.put_snapshot_chunk(vault(), device(2), slow.id, &chunk(0, 64, 3)).unwrap(), state(&[1], false));
    let fast = manifest(4, device(1), 1, &[&one[5], &two[2]]);
    assert_eq!(upload(store.as_mut(), &fast, 4).unwrap(), state(&[], true));
    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(fast.clone()));
    assert!(matches!(store.snapshot_state(vault(), first.id), Err(StoreError::NoSuchSnapshot)), "the first went");
    for index in 0..2 {
        assert_eq!(store.snapshot_chunk(vault(), first.id, index).unwrap(), None, "and its chunks");
    }
    assert_eq!(store.snapshot_state(vault(), slow.id).unwrap(), state(&[1], false), "it covers more of device 2");

    // Its last chunk: it no longer covers all the latest does (device 1's record 6).
    let refused = store.put_snapshot_chunk(vault(), device(2), slow.id, &chunk(1, 64, 3)).unwrap_err();
    assert!(matches!(refused, StoreError::SnapshotSuperseded), "{refused}");
    assert!(matches!(store.snapshot_state(vault(), slow.id), Err(StoreError::NoSuchSnapshot)), "dropped");
    assert_eq!(store.snapshot_chunk(vault(), slow.id, 0).unwrap(), None);
    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(fast.clone()), "the latest stays");

    // An author's new snapshot replaces its own unfinished one.
    let unfinished = manifest(5, device(2), 2, &[&one[5], &two[3]]);
    store.put_snapshot(vault(), &unfinished, 200).unwrap();
    store.put_snapshot_chunk(vault(), device(2), unfinished.id, &chunk(0, 64, 5)).unwrap();
    let replacement = manifest(6, device(2), 1, &[&one[5], &two[3]]);
    assert_eq!(store.put_snapshot(vault(), &replacement, 201).unwrap(), state(&[0], false));
    assert!(matches!(store.snapshot_state(vault(), unfinished.id), Err(StoreError::NoSuchSnapshot)));
    assert_eq!(store.snapshot_chunk(vault(), unfinished.id, 0).unwrap(), None);
    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(fast.clone()), "a latest is not replaced unfinished");
    assert_eq!(store.snapshot_state(vault(), fast.id).unwrap(), state(&[], true));
    assert_eq!(
        store.put_snapshot_chunk(vault(), device(2), replacement.id, &chunk(0, 64, 6)).unwrap(),
        state(&[], true)
    );
    assert_eq!(store.latest_snapshot(vault()).unwrap(), Some(replacement.clone()));
    assert!(matches!(store.snapshot_state(vault(), fast.id), Err(StoreError::NoSuchSnapshot)), "covered: dropped");
    assert_eq!(store.snapshot_chunk(vault(), fast.id, 0).unwrap(), None);
    assert_eq!(store.snapshot_chunk(vault(), replacement.id, 0).unwrap(), Some(chunk(0, 64, 6)));
}

/// Two logs, a snapshot covering part of each, three readers: each log is cut through what
/// the snapshot covers, every active reader read and the retention window allows.
fn compaction_cuts_the_covered_prefix_every_active_device_read_and_nothing_younger(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    // The devices were last seen at `now`; the records were stored up to a second or so ago.
    let now = unix_now() + 1_000;
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    for d in 1..=3 {
        store.register_device(ana, device(d), "a device", now).unwrap();
    }
    let (one, two) = (chain(device(1), 10, 100, 1), chain(device(2), 6, 100, 2));
    store.append(vault(), device(1), &one).unwrap();
    store.append(vault(), device(2), &two).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "no snapshot yet");
    let snapshot = manifest(1, device(3), 1, &[&one[6], &two[3]]);
    upload(store.as_mut(), &snapshot, 1).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "no one read anything yet");

    let cursors =
        |c: &[(u128, u64)]| c.iter().map(|&(d, s)| Cursor { device: device(d), after: Seq(s) }).collect::<Vec<_>>();
    store.note_reads(vault(), device(1), &cursors(&[(1, 10), (2, 6)])).unwrap();
    store.note_reads(vault(), device(2), &cursors(&[(1, 10), (2, 6)])).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "device 3 has read nothing yet");
    store.note_reads(vault(), device(3), &cursors(&[(1, 5), (2, 6)])).unwrap();
    assert_eq!(store.compact(vault(), now, NINETY_DAYS).unwrap(), 0, "every record is younger than 90 days");
    assert_eq!(store.status(vault()).unwrap().devices.len(), 2);
    assert_eq!(everything(store.as_mut()).len(), 16, "nothing went");

    // Device 1's log through 5 (device 3 read no further), device 2's through 4 (the snapshot's).
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 5 + 4);
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "nothing more until device 3 reads on");
    store.note_reads(vault(), device(3), &cursors(&[(1, 3)])).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "a read never goes back");
    store.note_reads(vault(), device(3), &cursors(&[(1, 9)])).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 2, "device 1's 6 and 7: no further than the snapshot");
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0);

    // A cursor before the cut is refused; from the cut on, the rest.
    let refused = download_from(store.as_mut(), &[(1, 6), (2, 4)]).unwrap_err();
    assert!(matches!(refused, StoreError::Compacted { device: d, through: Seq(7) } if d == device(1)), "{refused}");
    assert_eq!(refused.kind(), ErrorKind::Compacted);
    let refused = download_from(store.as_mut(), &[(1, 7), (2, 3)]).unwrap_err();
    assert!(matches!(refused, StoreError::Compacted { device: d, through: Seq(4) } if d == device(2)), "{refused}");
    assert!(matches!(download_from(store.as_mut(), &[]), Err(StoreError::Compacted { .. })), "no cursor: from 0");
    let rest: Vec<Envelope> = one[7..].iter().chain(&two[4..]).cloned().collect();
    assert_eq!(download_from(store.as_mut(), &[(1, 7), (2, 4)]).unwrap(), rest);
    assert_eq!(everything_after(store.as_mut(), cursors(&[(1, 7), (2, 4)])), rest);
    assert_eq!(download_from(store.as_mut(), &[(1, 9), (2, 6)]).unwrap(), one[9..]);

    // A replay of compacted records stores nothing: they were held.
    let again = store.append(vault(), device(1), &one).unwrap();
    assert_eq!(again.outcomes, (1..=10).map(|s| UploadOutcome::Duplicate { seq: Seq(s) }).collect::<Vec<_>>());
    assert_eq!(again.contiguous, Seq(10));
    assert_eq!(everything_after(store.as_mut(), cursors(&[(1, 7), (2, 4)])), rest, "nothing came back");

    // Status still reports each log's contiguous head, after a reopen too.
    drop(store);
    let mut store = backend.open(Limits::default());
    let status = store.status(vault()).unwrap();
    assert_eq!(
        status.devices.iter().map(|d| (d.device, d.contiguous, d.beyond_gap.len())).collect::<Vec<_>>(),
        [(device(1), Seq(10), 0), (device(2), Seq(6), 0)]
    );
    let more = store.append(vault(), device(2), &chain(device(2), 7, 100, 2)[6..]).unwrap();
    assert_eq!((more.outcomes, more.contiguous), (vec![UploadOutcome::Stored { seq: Seq(7) }], Seq(7)));
    assert!(matches!(download_from(store.as_mut(), &[(1, 7), (2, 0)]), Err(StoreError::Compacted { .. })));
}

fn a_revoked_device_or_one_not_seen_within_the_retention_does_not_hold_compaction_back(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let now = unix_now() + 1_000;
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    store.register_device(ana, device(1), "laptop", now).unwrap();
    store.register_device(ana, device(2), "phone", now).unwrap();
    store.register_device(ana, device(3), "old tablet", now - 100).unwrap();
    store.register_device(ana, device(4), "lost phone", now).unwrap();
    // Another account's device never holds this vault's logs.
    let bo = store.create_account("bo", "h", 0).unwrap();
    store.register_device(bo, device(5), "bo's", now).unwrap();
    let one = chain(device(1), 4, 100, 1);
    store.append(vault(), device(1), &one).unwrap();
    upload(store.as_mut(), &manifest(1, device(1), 1, &[&one[3]]), 1).unwrap();
    store.note_reads(vault(), device(2), &[Cursor { device: device(1), after: Seq(4) }]).unwrap();

    assert_eq!(store.compact(vault(), now, 200).unwrap(), 0, "devices 3 and 4 are active and read nothing");
    assert!(store.revoke_device(ana, device(4)).unwrap());
    assert_eq!(store.compact(vault(), now, 200).unwrap(), 0, "device 3 was seen 100 s ago: still active");
    assert_eq!(store.compact(vault(), now, 50).unwrap(), 4, "not seen within 50 s, device 3 does not count");
    let page = download_from(store.as_mut(), &[(1, 4)]).unwrap();
    assert!(page.is_empty());
}

fn compaction_gives_the_device_s_quota_back(backend: &Backend) {
    let records = chain(device(1), 9, 300, 1);
    let per_record = records[0].stored_len() as u64;
    // Five records, and the snapshot's one 64-byte chunk (it counts too).
    let mut store = backend.open(Limits { max_device_bytes: per_record * 5 + 64, ..Limits::default() });
    let now = unix_now() + 1_000;
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    store.register_device(ana, device(1), "laptop", now).unwrap();
    store.append(vault(), device(1), &records[..5]).unwrap();
    let full = store.append(vault(), device(1), &records[5..6]).unwrap_err();
    assert!(matches!(full, StoreError::Quota { scope: spearmint_server::QuotaScope::Device, .. }), "{full:?}");

    upload(store.as_mut(), &manifest(1, device(1), 1, &[&records[2]]), 1).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 3, "no other device reads this log");
    // Three records' room again, exactly.
    let stored = store.append(vault(), device(1), &records[5..8]).unwrap();
    assert_eq!(stored.outcomes, (6..=8).map(|s| UploadOutcome::Stored { seq: Seq(s) }).collect::<Vec<_>>());
    assert_eq!(stored.contiguous, Seq(8));
    let full = store.append(vault(), device(1), &records[8..]).unwrap_err();
    assert!(matches!(full, StoreError::Quota { scope: spearmint_server::QuotaScope::Device, .. }), "{full:?}");
}

fn a_log_cut_by_compaction_still_refuses_a_fork_at_the_cut(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let now = unix_now() + 1_000;
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    store.register_device(ana, device(1), "laptop", now).unwrap();
    let records = chain(device(1), 6, 100, 1);
    store.append(vault(), device(1), &records[..5]).unwrap();
    upload(store.as_mut(), &manifest(1, device(1), 1, &[&records[4]]), 1).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 5, "the whole log, through its head");

    // A copy of the device (a restored backup) that sealed other records from seq 5 on.
    let forked = chain(device(1), 6, 100, 9);
    let answer = store.append(vault(), device(1), &forked[4..5]).unwrap();
    assert_eq!(answer.outcomes, vec![UploadOutcome::Conflict { seq: Seq(5), held: records[4].content_hash() }]);
    let refused = store.append(vault(), device(1), &forked[5..]).unwrap_err();
    assert!(matches!(refused, StoreError::Fork { seq: Seq(6), prev: Seq(5) }), "{refused}");
    // The device itself goes on, and replays of what was compacted change nothing.
    let answer = store.append(vault(), device(1), &records).unwrap();
    let mut expected: Vec<_> = (1..=5).map(|s| UploadOutcome::Duplicate { seq: Seq(s) }).collect();
    expected.push(UploadOutcome::Stored { seq: Seq(6) });
    assert_eq!((answer.outcomes, answer.contiguous), (expected, Seq(6)));
    assert_eq!(download_from(store.as_mut(), &[(1, 5)]).unwrap(), records[5..]);
}

fn snapshot_chunks_count_towards_their_author_s_quota_until_they_are_dropped(backend: &Backend) {
    let records = chain(device(1), 1, 300, 1);
    let per_record = records[0].stored_len() as u64;
    // Room for the laptop's record and two 64-byte chunks, not three.
    let mut store = backend.open(Limits { max_device_bytes: per_record + 128, ..Limits::default() });
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    store.register_device(ana, device(1), "laptop", 0).unwrap();
    store.register_device(ana, device(2), "phone", 0).unwrap();
    store.append(vault(), device(1), &records).unwrap();
    let quota = |e: StoreError| matches!(e, StoreError::Quota { scope: spearmint_server::QuotaScope::Device, .. });

    let first = manifest(1, device(1), 3, &[&records[0]]);
    store.put_snapshot(vault(), &first, 100).unwrap();
    store.put_snapshot_chunk(vault(), device(1), first.id, &chunk(0, 64, 1)).unwrap();
    store.put_snapshot_chunk(vault(), device(1), first.id, &chunk(1, 64, 1)).unwrap();
    let full = store.put_snapshot_chunk(vault(), device(1), first.id, &chunk(2, 64, 1)).unwrap_err();
    assert!(quota(full), "the third chunk passes the quota");
    assert_eq!(store.snapshot_state(vault(), first.id).unwrap(), state(&[2], false), "nothing of the refused one");
    // A repeated chunk is not charged again.
    assert_eq!(store.put_snapshot_chunk(vault(), device(1), first.id, &chunk(1, 64, 1)).unwrap(), state(&[2], false));

    // The laptop's next snapshot replaces its unfinished one, whose room comes back.
    let second = manifest(2, device(1), 2, &[&records[0]]);
    store.put_snapshot(vault(), &second, 100).unwrap();
    assert_eq!(upload(store.as_mut(), &second, 2).unwrap(), state(&[], true));
    // A device with no records of its own is held to its quota too.
    let theirs = manifest(3, device(2), 1, &[&records[0]]);
    store.put_snapshot(vault(), &theirs, 100).unwrap();
    let big = SnapshotChunk { index: 0, nonce: [3; 24], ciphertext: vec![3; (per_record + 129) as usize] };
    assert!(quota(store.put_snapshot_chunk(vault(), device(2), theirs.id, &big).unwrap_err()));
    // The laptop is full: a third snapshot of its own does not fit beside the latest...
    let third = manifest(4, device(1), 1, &[&records[0]]);
    store.put_snapshot(vault(), &third, 100).unwrap();
    assert!(quota(store.put_snapshot_chunk(vault(), device(1), third.id, &chunk(0, 128, 4)).unwrap_err()));
    // ...until the phone's snapshot, covering all the laptop's does, takes the latest's place and
    // the laptop's goes with its charge (the unfinished third one too: it covers no more).
    assert_eq!(upload(store.as_mut(), &theirs, 3).unwrap(), state(&[], true));
    let fourth = manifest(5, device(1), 1, &[&records[0]]);
    store.put_snapshot(vault(), &fourth, 100).unwrap();
    assert_eq!(store.put_snapshot_chunk(vault(), device(1), fourth.id, &chunk(0, 128, 5)).unwrap(), state(&[], true));
}

fn reads_noted_before_the_vault_has_a_latest_snapshot_are_not_kept(backend: &Backend) {
    let mut store = backend.open(Limits::default());
    let now = unix_now() + 1_000;
    let ana = store.create_account("ana", "h", 0).unwrap();
    store.claim_vault(ana, vault()).unwrap();
    store.register_device(ana, device(1), "laptop", now).unwrap();
    store.register_device(ana, device(2), "phone", now).unwrap();
    let one = chain(device(1), 4, 100, 1);
    store.append(vault(), device(1), &one).unwrap();
    let read_all = [Cursor { device: device(1), after: Seq(4) }];
    store.note_reads(vault(), device(2), &read_all).unwrap();
    let snapshot = manifest(1, device(1), 2, &[&one[3]]);
    store.put_snapshot(vault(), &snapshot, 100).unwrap();
    store.put_snapshot_chunk(vault(), device(1), snapshot.id, &chunk(0, 64, 1)).unwrap();
    store.note_reads(vault(), device(2), &read_all).unwrap();
    assert_eq!(store.put_snapshot_chunk(vault(), device(1), snapshot.id, &chunk(1, 64, 1)).unwrap(), state(&[], true));
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 0, "device 2's reads came before the latest snapshot");
    store.note_reads(vault(), device(2), &read_all).unwrap();
    assert_eq!(store.compact(vault(), now, 0).unwrap(), 4);
}
