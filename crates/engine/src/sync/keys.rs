//! The budget's keys over time: what setup and join put and read, how a device follows another
//! device's key change at each sync, and the two changes a user makes after losing a device or
//! the phrase itself:
//! - a new data key (`rotate`): records from then on are sealed with a key no removed device
//!   ever had, wrapped by the phrase's key, which the other devices hold;
//! - a new recovery phrase (`change_phrase`), which comes with a new data key: every epoch's key
//!   is wrapped again by the new phrase's key, and that key is sealed to the public key of each
//!   device that is active now, so they go on without the new phrase typed and a removed
//!   device (or a reader of the old phrase) gets nothing new.
//!
//! No device resets: each holds every epoch's key, and a device's public key counts only when
//! a holder of the phrase's key vouched for it, so the server cannot slip in a key of its own.
//! Every change goes to the server as the successor of the bundle read, and is made again on
//! the new bundle when another device changed it meanwhile.

use reqwest::Method;
use spearmint_sync_proto::{DeviceId, DeviceList, KeyBundle, KeyEpoch, VaultId};

use super::client::{Server, no_body, sync_error};
use super::seal::{DataKey, DeviceSecret, RecoveryPhrase, grant, open_grant, unwrap, vouch, vouched, wrap};
use crate::engine::Engine;
use crate::error::{ErrorKind, Result};
use crate::vault::sync_book::{self, HeldKeys, SyncAccount};

/// Times a key change is made again on a bundle another device changed meanwhile.
const ATTEMPTS: usize = 5;

fn keys_path(vault: VaultId) -> String {
    format!("/v1/vaults/{}/keys", vault.0)
}

pub(super) async fn fetch(server: &Server, vault: VaultId) -> Result<KeyBundle> {
    server.call(Method::GET, &keys_path(vault), no_body()).await
}

/// Puts `bundle`; `Ok(false)` when another device changed the keys first (read them again).
async fn put(server: &Server, vault: VaultId, bundle: &KeyBundle) -> Result<bool> {
    match server.call::<()>(Method::PUT, &keys_path(vault), Some(bundle)).await {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::Conflict => Ok(false),
        Err(e) => Err(e),
    }
}

/// The first bundle of a budget set up here: its first data key wrapped by the new phrase's
/// key, and this device's public key.
pub(super) fn first_bundle(
    phrase_key: &DataKey,
    vault: VaultId,
    me: DeviceId,
    secret: &DeviceSecret,
    key: &DataKey,
) -> KeyBundle {
    KeyBundle {
        revision: 0,
        phrase: 0,
        keys: vec![wrap(phrase_key, vault, KeyEpoch(0), key)],
        devices: vec![vouch(phrase_key, vault, me, secret.public())],
        grants: Vec::new(),
    }
}

/// Every epoch's key a bundle holds, opened with the phrase's key; a wrong phrase is refused
/// here, before anything is written.
pub(super) fn open_all(phrase_key: &DataKey, vault: VaultId, bundle: &KeyBundle) -> Result<Vec<(u32, DataKey)>> {
    if bundle.keys.is_empty() {
        return Err(sync_error(ErrorKind::NotFound, "the budget's key is not on the sync server: set it up again"));
    }
    bundle
        .keys
        .iter()
        .map(|w| {
            unwrap(phrase_key, vault, w)
                .map(|k| (w.epoch.0, k))
                .map_err(|e| sync_error(ErrorKind::WrongKey, e.to_string()))
        })
        .collect()
}

fn held_keys(phrase: u32, phrase_key: &DataKey, secret: &DeviceSecret, revision: i64) -> HeldKeys {
    HeldKeys {
        phrase,
        phrase_key: Some(zeroize::Zeroizing::new(phrase_key.as_bytes().to_vec())),
        device_secret: Some(zeroize::Zeroizing::new(secret.to_bytes().to_vec())),
        revision,
    }
}

fn raw(data_keys: &[(u32, DataKey)]) -> Vec<(u32, &[u8; 32])> {
    data_keys.iter().map(|(e, k)| (*e, k.as_bytes())).collect()
}

/// Keeps `data_keys`, the phrase key and device secret, the bundle's revision read and the
/// epoch to seal in.
fn keep(
    engine: &Engine,
    data_keys: &[(u32, DataKey)],
    phrase: u32,
    phrase_key: &DataKey,
    secret: &DeviceSecret,
    revision: i64,
    epoch: u32,
) -> Result<()> {
    let held = held_keys(phrase, phrase_key, secret, revision);
    engine.with_vault(|v| v.write(|w| w.keep_keys(&raw(data_keys), &held, epoch)))
}

/// Starts syncing with the keys of a budget just set up (`revision`: the bundle put) or joined
/// (`None`: the first sync reads the bundle afresh and vouches for this device's public key),
/// sealing in the newest epoch.
pub(super) fn begin(
    engine: &Engine,
    account: &SyncAccount,
    data_keys: &[(u32, DataKey)],
    phrase: (u32, &DataKey),
    secret: &DeviceSecret,
    revision: Option<u64>,
) -> Result<()> {
    let held = held_keys(phrase.0, phrase.1, secret, revision.map_or(-1, |r| r as i64));
    engine.with_vault(|v| v.write(|w| w.begin_sync(account, &raw(data_keys), &held)))
}

/// The data keys this device holds, by epoch.
pub(super) fn held_data_keys(engine: &Engine) -> Result<Vec<(u32, DataKey)>> {
    let keys = engine.with_vault(|v| sync_book::sync_keys(v.read()))?;
    Ok(keys.into_iter().filter_map(|(e, k)| DataKey::from_bytes(&k).map(|k| (e, k))).collect())
}

/// The phrase key and device secret this device holds, or `None` for a vault set up before
/// key changes existed.
struct Held {
    phrase: u32,
    phrase_key: DataKey,
    secret: DeviceSecret,
    revision: i64,
}

fn held(engine: &Engine) -> Result<Option<Held>> {
    let Some(h) = engine.with_vault(|v| sync_book::held_keys(v.read()))? else { return Ok(None) };
    let (Some(phrase_key), Some(secret)) = (
        h.phrase_key.as_ref().and_then(|k| DataKey::from_bytes(k)),
        h.device_secret.as_ref().and_then(|k| DeviceSecret::from_bytes(k)),
    ) else {
        return Ok(None);
    };
    Ok(Some(Held { phrase: h.phrase, phrase_key, secret, revision: h.revision }))
}

fn needs_join_again() -> crate::error::Error {
    sync_error(
        ErrorKind::KeyMissing,
        "this device was set up before the budget's keys could change: join the budget again (Settings, Sync) with the recovery phrase",
    )
}

/// Reads the server's key bundle and takes what another device changed: a new phrase (through
/// the grant sealed to this device), new epochs' keys (through the phrase's key) and the
/// newest epoch, to seal in from now; vouches for this device's public key when the bundle
/// lacks it. Returns every data key held.
pub(super) async fn follow(
    engine: &Engine,
    server: &Server,
    vault: VaultId,
    me: DeviceId,
) -> Result<Vec<(u32, DataKey)>> {
    follow_bundle(engine, server, vault, me).await?;
    held_data_keys(engine)
}

/// [`follow`], returning the bundle as it now is on the server (`None` for a vault from
/// before key changes, which syncs with the keys it has and reads no bundle).
async fn follow_bundle(engine: &Engine, server: &Server, vault: VaultId, me: DeviceId) -> Result<Option<KeyBundle>> {
    for _ in 0..ATTEMPTS {
        let Some(mut held) = held(engine)? else { return Ok(None) };
        let bundle = fetch(server, vault).await?;
        if held.revision >= 0 && bundle.revision <= held.revision as u64 {
            // Nothing new (an older bundle, which only a server rolling back would serve, is
            // not taken either).
            return Ok(Some(bundle));
        }
        if bundle.phrase > held.phrase {
            let mine = bundle.grants.iter().find(|g| g.device == me && g.phrase == bundle.phrase);
            let Some(mine) = mine else {
                return Err(sync_error(
                    ErrorKind::WrongKey,
                    "the budget's recovery phrase was changed on another device, and this device was not among those active then: join the budget again with the new phrase",
                ));
            };
            held.phrase_key = open_grant(&held.secret, vault, me, mine)
                .map_err(|e| sync_error(ErrorKind::WrongKey, e.to_string()))?;
            held.phrase = bundle.phrase;
        }
        let keys = open_all(&held.phrase_key, vault, &bundle).map_err(|_| {
            sync_error(
                ErrorKind::Corrupt,
                "the budget's keys on the sync server do not open with this device's: join the budget again with the recovery phrase",
            )
        })?;
        let epoch = keys.iter().map(|(e, _)| *e).max().unwrap_or(0);
        let me_vouched = bundle
            .devices
            .iter()
            .any(|d| d.device == me && d.public == held.secret.public() && vouched(&held.phrase_key, vault, d));
        let mut now = bundle;
        if !me_vouched {
            let mut next = now.clone();
            next.revision += 1;
            next.devices.retain(|d| d.device != me);
            next.devices.push(vouch(&held.phrase_key, vault, me, held.secret.public()));
            if !put(server, vault, &next).await? {
                continue;
            }
            now = next;
        }
        let current = engine.with_vault(|v| sync_book::sync_account(v.read()))?.map_or(0, |a| a.epoch);
        keep(engine, &keys, held.phrase, &held.phrase_key, &held.secret, now.revision as i64, epoch.max(current))?;
        return Ok(Some(now));
    }
    Err(busy())
}

fn busy() -> crate::error::Error {
    sync_error(ErrorKind::Conflict, "other devices keep changing the budget's keys: try again in a minute")
}

/// A new data key for this budget: records sealed from now on use it. Returns its epoch.
pub(super) async fn rotate(engine: &Engine, server: &Server, vault: VaultId, me: DeviceId) -> Result<u32> {
    for _ in 0..ATTEMPTS {
        let mut bundle = follow_bundle(engine, server, vault, me).await?.ok_or_else(needs_join_again)?;
        let held = held(engine)?.ok_or_else(needs_join_again)?;
        if bundle.phrase != held.phrase {
            continue;
        }
        let epoch = bundle.keys.iter().map(|k| k.epoch.0).max().unwrap_or(0) + 1;
        let key = DataKey::random();
        bundle.keys.push(wrap(&held.phrase_key, vault, KeyEpoch(epoch), &key));
        bundle.revision += 1;
        if put(server, vault, &bundle).await? {
            keep(engine, &[(epoch, key)], held.phrase, &held.phrase_key, &held.secret, bundle.revision as i64, epoch)?;
            return Ok(epoch);
        }
    }
    Err(busy())
}

/// A new recovery phrase, and a new data key with it; returned to be shown once. The devices
/// active now go on as they are; a removed device, or anyone holding only the old phrase,
/// opens nothing sealed from now on.
///
/// Refused, with nothing changed, when another device changed the phrase since this device
/// last synced: that device has just shown its user the new phrase, which a second change
/// would make useless at once. Asked again, it goes ahead.
pub(super) async fn change_phrase(engine: &Engine, server: &Server, vault: VaultId, me: DeviceId) -> Result<String> {
    let asked_on = held(engine)?.ok_or_else(needs_join_again)?.phrase;
    for _ in 0..ATTEMPTS {
        let bundle = follow_bundle(engine, server, vault, me).await?.ok_or_else(needs_join_again)?;
        let held = held(engine)?.ok_or_else(needs_join_again)?;
        if held.phrase != asked_on {
            return Err(sync_error(
                ErrorKind::Conflict,
                "the recovery phrase was just changed on another device, and this device now uses the new one: write down the phrase that device showed, or change the phrase again here to make another",
            ));
        }
        if bundle.phrase != held.phrase {
            continue;
        }
        let old = open_all(&held.phrase_key, vault, &bundle)?;
        let list: DeviceList = server.call(Method::GET, "/v1/devices", no_body()).await?;
        let active: Vec<DeviceId> = list.devices.iter().filter(|d| !d.revoked).map(|d| d.device).collect();

        let phrase = RecoveryPhrase::generate();
        let derived = phrase.key(vault);
        let epoch = old.iter().map(|(e, _)| *e).max().unwrap_or(0) + 1;
        let key = DataKey::random();
        let number = bundle.phrase + 1;
        let mut keys: Vec<_> = old.iter().map(|(e, k)| wrap(&derived, vault, KeyEpoch(*e), k)).collect();
        keys.push(wrap(&derived, vault, KeyEpoch(epoch), &key));
        let mut devices = vec![vouch(&derived, vault, me, held.secret.public())];
        let mut grants = Vec::new();
        for device in bundle.devices.iter().filter(|d| d.device != me && active.contains(&d.device)) {
            // Only a key a device of this budget vouched for gets the new phrase's key.
            if vouched(&held.phrase_key, vault, device) {
                grants.push(grant(&derived, number, vault, device));
                devices.push(vouch(&derived, vault, device.device, device.public));
            }
        }
        let next = KeyBundle { revision: bundle.revision + 1, phrase: number, keys, devices, grants };
        if put(server, vault, &next).await? {
            keep(engine, &[(epoch, key)], number, &derived, &held.secret, next.revision as i64, epoch)?;
            return Ok(phrase.expose().to_owned());
        }
    }
    Err(busy())
}
