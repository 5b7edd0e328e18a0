//! The vault's settings, typed. Each setting has one reader and one writer here, with its
//! value's type and meaning; no other module names a key of the `settings` table.
//!
//! The keys the vault itself keeps (`vault_id`, `device_id`, `created_at`, `hlc_last`) are
//! written when the file is made and by the [`super::Writer`]'s commit.

use chrono::{DateTime, NaiveTime, Utc};
use rusqlite::OptionalExtension;
use rusqlite::types::Value;

use super::{Reader, Table, Writer};
use crate::error::Result;

fn get(r: Reader<'_>, key: &str) -> Result<Option<String>> {
    Ok(r.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)).optional()?)
}

fn set(w: &mut Writer<'_>, key: &str, value: String) -> Result<()> {
    w.upsert(Table::SETTINGS, key, &[("value", Value::Text(value))])
}

fn instant(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc))
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The vault's id, given when it was made.
pub(crate) fn vault_id(r: Reader<'_>) -> Result<Option<String>> {
    get(r, "vault_id")
}

/// The time of day (on this machine's clock) the user chose for the daily extraction.
pub(crate) fn daily_at(r: Reader<'_>) -> Result<Option<NaiveTime>> {
    Ok(get(r, "daily_at")?.and_then(|t| NaiveTime::parse_from_str(&t, "%H:%M").ok()))
}

pub(crate) fn set_daily_at(w: &mut Writer<'_>, at: NaiveTime) -> Result<()> {
    set(w, "daily_at", at.format("%H:%M").to_string())
}

/// When the daily extraction (or a manual refresh of everything, which stands in for it) last
/// ran.
pub(crate) fn last_daily_run(r: Reader<'_>) -> Result<Option<DateTime<Utc>>> {
    Ok(instant(get(r, "last_daily_run")?))
}

pub(crate) fn set_last_daily_run(w: &mut Writer<'_>, at: DateTime<Utc>) -> Result<()> {
    set(w, "last_daily_run", stamp(at))
}

/// The OFX CLIENTUID this profile sent before the installation kept its own.
pub(crate) fn ofx_client_uid(r: Reader<'_>) -> Result<Option<String>> {
    get(r, "ofx_client_uid")
}

fn thresholds_key(category: Option<&str>) -> String {
    match category {
        Some(c) => format!("budget_thresholds:{c}"),
        None => "budget_thresholds".to_owned(),
    }
}

/// The budget alert thresholds, in percent: a category's own (with `category`), or the
/// general ones. `None` when the user set none.
pub(crate) fn budget_thresholds(r: Reader<'_>, category: Option<&str>) -> Result<Option<Vec<u32>>> {
    Ok(get(r, &thresholds_key(category))?.map(|t| t.split(',').filter_map(|x| x.trim().parse().ok()).collect()))
}

pub(crate) fn set_budget_thresholds(w: &mut Writer<'_>, category: Option<&str>, thresholds: &[u32]) -> Result<()> {
    let text = thresholds.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    set(w, &thresholds_key(category), text)
}

/// Records that a person used the profile at `at` (the `activity` row).
pub(crate) fn mark_used(w: &mut Writer<'_>, at: DateTime<Utc>) -> Result<()> {
    w.upsert(Table::ACTIVITY, "1", &[("last_used_at", Value::Text(stamp(at)))])
}

/// When a person last used the profile.
pub(crate) fn last_used(r: Reader<'_>) -> Result<Option<DateTime<Utc>>> {
    Ok(instant(r.query_row("SELECT last_used_at FROM activity WHERE id = 1", [], |row| row.get(0)).optional()?))
}

/// Gives a copied vault file its own device id (tests make devices by copying one file); the
/// clock takes it on the next open.
#[cfg(test)]
pub(crate) fn set_device_id(w: &mut Writer<'_>, device: spearmint_core::DeviceId) -> Result<()> {
    set(w, "device_id", device.to_string())
}

/// Whether this device shares the user's own categories with the crowd (opt-in, off by
/// default) and asks the crowd about its sellers when it syncs.
pub(crate) fn crowd_sharing(r: Reader<'_>) -> Result<bool> {
    Ok(get(r, "crowd_sharing")?.as_deref() == Some("on"))
}

pub(crate) fn set_crowd_sharing(w: &mut Writer<'_>, on: bool) -> Result<()> {
    set(w, "crowd_sharing", if on { "on" } else { "off" }.to_owned())
}
