//! Sealed records and snapshot chunks open only as what and where they were sealed; a wrong
//! phrase is refused.

use spearmint_sync_proto::{
    CellChange, ChangeBatch, ChangeOp, ContentHash, Cover, DeviceId, DeviceKey, Envelope, Grant, KeyEpoch, Seq,
    SnapshotChunk, SnapshotId, SnapshotManifest, VaultId, WrappedKey,
};
use uuid::Uuid;

use super::seal::{
    DataKey, DeviceSecret, Head, RecoveryPhrase, SealError, grant, open, open_chunk, open_grant, seal, seal_chunk,
    unwrap, vouch, vouched, wrap,
};

fn vault() -> VaultId {
    VaultId(Uuid::from_u128(7))
}

fn device() -> DeviceId {
    DeviceId(Uuid::from_u128(9))
}

fn batch(note: &str) -> ChangeBatch {
    ChangeBatch {
        changes: vec![CellChange {
            hlc: "001796000000000-00000000-00000000000000000000000000000009".into(),
            table: "transactions".into(),
            row: "t1".into(),
            op: ChangeOp::Set { column: "note".into(), value: serde_json::json!(note) },
        }],
    }
}

/// Three records of one device's log, chained.
fn log(key: &DataKey) -> Vec<Envelope> {
    let mut head = Head::START;
    let mut out = Vec::new();
    for note in ["first", "second", "third"] {
        let record = seal(key, KeyEpoch(0), vault(), device(), head, &batch(note));
        head = Head { seq: record.seq, hash: Some(record.content_hash()) };
        out.push(record);
    }
    out
}

fn after(records: &[Envelope]) -> Head {
    records.last().map_or(Head::START, |r| Head { seq: r.seq, hash: Some(r.content_hash()) })
}

#[test]
fn a_record_opens_in_its_place_and_nowhere_else() {
    let key = DataKey::random();
    let keys = |epoch: KeyEpoch| (epoch == KeyEpoch(0)).then(|| key.clone());
    let records = log(&key);
    for (i, record) in records.iter().enumerate() {
        let opened = open(&keys, vault(), device(), after(&records[..i]), record).unwrap();
        assert_eq!(opened, batch(["first", "second", "third"][i]));
        assert!(!String::from_utf8_lossy(&record.ciphertext).contains(["first", "second", "third"][i]));
    }

    // Replayed: record 1 again after record 2.
    let replay = open(&keys, vault(), device(), after(&records[..2]), &records[0]).unwrap_err();
    assert!(matches!(replay, SealError::OutOfOrder { expected: Seq(3), found: Seq(1), .. }), "{replay:?}");
    // Dropped from the middle: record 3 right after record 1.
    let gap = open(&keys, vault(), device(), after(&records[..1]), &records[2]).unwrap_err();
    assert!(matches!(gap, SealError::OutOfOrder { .. }), "{gap:?}");
    // Renumbered into the gap, with the chain made to fit: the associated data no longer matches.
    let mut moved = records[2].clone();
    moved.seq = Seq(2);
    moved.prev = Some(records[0].content_hash());
    assert!(matches!(open(&keys, vault(), device(), after(&records[..1]), &moved), Err(SealError::Tampered { .. })));
    // Renumbered without fixing the chain.
    let mut renumbered = records[2].clone();
    renumbered.seq = Seq(2);
    assert!(matches!(open(&keys, vault(), device(), after(&records[..1]), &renumbered), Err(SealError::Broken { .. })));
    // Put in another device's log or another vault.
    let other_device = DeviceId(Uuid::from_u128(10));
    assert!(matches!(open(&keys, vault(), other_device, Head::START, &records[0]), Err(SealError::Moved { .. })));
    let mut relabelled = records[0].clone();
    relabelled.device = other_device;
    assert!(matches!(open(&keys, vault(), other_device, Head::START, &relabelled), Err(SealError::Tampered { .. })));
    let mut other_vault = records[0].clone();
    other_vault.vault = VaultId(Uuid::from_u128(8));
    assert!(matches!(
        open(&keys, VaultId(Uuid::from_u128(8)), device(), Head::START, &other_vault),
        Err(SealError::Tampered { .. })
    ));
    // One bit of the ciphertext flipped.
    let mut flipped = records[0].clone();
    flipped.ciphertext[3] ^= 1;
    assert!(matches!(open(&keys, vault(), device(), Head::START, &flipped), Err(SealError::Tampered { .. })));
    // A key epoch this device does not hold.
    let mut later = records[0].clone();
    later.epoch = KeyEpoch(1);
    assert!(matches!(open(&keys, vault(), device(), Head::START, &later), Err(SealError::NoKey { .. })));
}

#[test]
fn records_of_different_sizes_look_alike() {
    let key = DataKey::random();
    let short = seal(&key, KeyEpoch(0), vault(), device(), Head::START, &batch("a"));
    let longer = seal(&key, KeyEpoch(0), vault(), device(), Head::START, &batch(&"a".repeat(60)));
    assert_eq!(short.ciphertext.len(), longer.ciphertext.len(), "both padded to the smallest size");
}

#[test]
fn the_data_key_unwraps_only_with_its_phrase_and_its_vault() {
    let phrase = RecoveryPhrase::generate();
    assert_eq!(phrase.expose().split(' ').count(), 24);
    let key = DataKey::random();
    let wrapped = wrap(&phrase.key(vault()), vault(), KeyEpoch(0), &key);
    assert_eq!(unwrap(&phrase.key(vault()), vault(), &wrapped).unwrap().as_bytes(), key.as_bytes());

    // Typed again with other spacing and capitals: the same phrase.
    let typed = phrase.expose().to_uppercase().replace(' ', "  \n");
    let again = RecoveryPhrase::parse(&typed).unwrap();
    assert_eq!(unwrap(&again.key(vault()), vault(), &wrapped).unwrap().as_bytes(), key.as_bytes());

    let other = RecoveryPhrase::generate();
    assert_eq!(unwrap(&other.key(vault()), vault(), &wrapped).unwrap_err(), SealError::WrongPhrase);
    let elsewhere = VaultId(Uuid::from_u128(8));
    assert_eq!(unwrap(&phrase.key(elsewhere), elsewhere, &wrapped).unwrap_err(), SealError::WrongPhrase);
    assert_eq!(
        unwrap(&phrase.key(vault()), vault(), &WrappedKey { epoch: KeyEpoch(1), ..wrapped.clone() }).unwrap_err(),
        SealError::WrongPhrase,
        "bound to its epoch"
    );

    // A word changed never opens the key: it breaks the checksum, or (one time in 256, when
    // the checksum still holds) it is another phrase. 23 words are not a phrase.
    let mut words: Vec<&str> = phrase.expose().split(' ').collect();
    words[5] = if words[5] == "abandon" { "ability" } else { "abandon" };
    match RecoveryPhrase::parse(&words.join(" ")) {
        Err(e) => assert_eq!(e, SealError::Phrase),
        Ok(changed) => {
            assert_eq!(unwrap(&changed.key(vault()), vault(), &wrapped).unwrap_err(), SealError::WrongPhrase)
        }
    }
    assert_eq!(RecoveryPhrase::parse(&words[..23].join(" ")).unwrap_err(), SealError::Phrase);
    // Secrets never print (single words could be in "[redacted]" itself: "act", "cover").
    let printed = format!("{phrase:?}{key:?}");
    assert!(!printed.contains(&phrase.expose()[..phrase.expose().len() / 2]), "{printed}");
    assert!(!printed.contains(&hex::encode(key.as_bytes())), "{printed}");
    assert_eq!(printed, "RecoveryPhrase([redacted])DataKey([redacted])");
}

/// A new phrase's key reaches the devices that were active: each opens only its own grant,
/// bound to its vault, device and phrase number; a device key the server made up is not vouched
/// for, so no grant is ever sealed to the server.
#[test]
fn a_new_phrase_s_key_opens_only_for_the_device_it_was_sealed_to() {
    let phrase_key = DataKey::random();
    let (laptop, phone) = (DeviceSecret::random(), DeviceSecret::random());
    let (laptop_id, phone_id) = (DeviceId(Uuid::from_u128(0xa)), DeviceId(Uuid::from_u128(0xb)));
    let laptop_key = vouch(&phrase_key, vault(), laptop_id, laptop.public());
    assert!(vouched(&phrase_key, vault(), &laptop_key));
    let forged = DeviceKey { public: DeviceSecret::random().public(), ..laptop_key.clone() };
    assert!(!vouched(&phrase_key, vault(), &forged), "the server swapped the public key");
    assert!(!vouched(&DataKey::random(), vault(), &laptop_key), "vouched under another phrase");
    let moved = DeviceKey { device: phone_id, ..laptop_key.clone() };
    assert!(!vouched(&phrase_key, vault(), &moved));

    let new_key = DataKey::random();
    let sealed = grant(&new_key, 1, vault(), &laptop_key);
    assert_eq!(open_grant(&laptop, vault(), laptop_id, &sealed).unwrap().as_bytes(), new_key.as_bytes());
    assert_eq!(open_grant(&phone, vault(), laptop_id, &sealed).unwrap_err(), SealError::BadGrant, "another secret");
    assert_eq!(open_grant(&laptop, vault(), phone_id, &sealed).unwrap_err(), SealError::BadGrant, "another device");
    let renumbered = Grant { phrase: 2, ..sealed.clone() };
    assert_eq!(open_grant(&laptop, vault(), laptop_id, &renumbered).unwrap_err(), SealError::BadGrant);
    let elsewhere = VaultId(Uuid::from_u128(8));
    assert_eq!(open_grant(&laptop, elsewhere, laptop_id, &sealed).unwrap_err(), SealError::BadGrant);
    // A secret survives being kept and read back, and never prints.
    let kept = DeviceSecret::from_bytes(laptop.to_bytes().as_slice()).unwrap();
    assert_eq!(open_grant(&kept, vault(), laptop_id, &sealed).unwrap().as_bytes(), new_key.as_bytes());
    assert_eq!(format!("{kept:?}"), "DeviceSecret([redacted])");
}

/// A snapshot of three chunks as the device seals them: the manifest and the chunks.
fn snapshot(key: &DataKey) -> (SnapshotManifest, Vec<SnapshotChunk>) {
    let manifest = SnapshotManifest {
        id: SnapshotId(Uuid::from_u128(0x5a)),
        author: device(),
        epoch: KeyEpoch(0),
        chunks: 3,
        covers: vec![Cover { device: device(), seq: Seq(3), hash: ContentHash([4; 32]) }],
    };
    let chunks = (0..3)
        .map(|i| seal_chunk(key, vault(), &manifest, i, i == 2, &batch(["one", "two", "three"][i as usize])))
        .collect();
    (manifest, chunks)
}

#[test]
fn a_snapshot_chunk_opens_only_in_its_place_in_its_snapshot_and_a_cut_short_snapshot_does_not() {
    let key = DataKey::random();
    let keys = |epoch: KeyEpoch| (epoch == KeyEpoch(0)).then(|| key.clone());
    let (manifest, chunks) = snapshot(&key);
    for (i, chunk) in chunks.iter().enumerate() {
        assert_eq!(open_chunk(&keys, vault(), &manifest, i as u32, chunk).unwrap(), batch(["one", "two", "three"][i]));
        assert!(!String::from_utf8_lossy(&chunk.ciphertext).contains(["one", "two", "three"][i]));
    }
    let refused = |result: Result<ChangeBatch, SealError>| matches!(result, Err(SealError::SnapshotTampered { .. }));

    // Served at another index, or relabelled as another.
    assert!(refused(open_chunk(&keys, vault(), &manifest, 0, &chunks[1])));
    let relabelled = SnapshotChunk { index: 0, ..chunks[1].clone() };
    assert!(refused(open_chunk(&keys, vault(), &manifest, 0, &relabelled)));
    // Cut short (the server says two chunks: the second is not the last) or padded out.
    let short = SnapshotManifest { chunks: 2, ..manifest.clone() };
    assert!(refused(open_chunk(&keys, vault(), &short, 1, &chunks[1])));
    let long = SnapshotManifest { chunks: 4, ..manifest.clone() };
    assert!(refused(open_chunk(&keys, vault(), &long, 2, &chunks[2])));
    // What it covers altered, or the chunk moved into another snapshot or budget.
    let mut covers_more = manifest.clone();
    covers_more.covers[0].seq = Seq(9);
    assert!(refused(open_chunk(&keys, vault(), &covers_more, 0, &chunks[0])));
    let other = SnapshotManifest { id: SnapshotId(Uuid::from_u128(0x5b)), ..manifest.clone() };
    assert!(refused(open_chunk(&keys, vault(), &other, 0, &chunks[0])));
    assert!(refused(open_chunk(&keys, VaultId(Uuid::from_u128(8)), &manifest, 0, &chunks[0])));
    // Altered bytes, or sealed with a key that is not the budget's.
    let mut altered = chunks[0].clone();
    altered.ciphertext[3] ^= 1;
    assert!(refused(open_chunk(&keys, vault(), &manifest, 0, &altered)));
    let (_, strangers) = snapshot(&DataKey::random());
    assert!(refused(open_chunk(&keys, vault(), &manifest, 0, &strangers[0])));
    // A key epoch this device does not hold is named as such.
    let later = SnapshotManifest { epoch: KeyEpoch(1), ..manifest.clone() };
    let missing = open_chunk(&keys, vault(), &later, 0, &chunks[0]).unwrap_err();
    assert!(matches!(missing, SealError::SnapshotNoKey { epoch: KeyEpoch(1) }), "{missing:?}");
}
