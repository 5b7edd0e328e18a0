//! Adding accounts from the Accounts screen: importing a bank's file (read by the web view from
//! a file the user picked, so the shell needs no file-system access), a manual account for it,
//! and linking a bank: through SimpleFIN Bridge, or over OFX Direct Connect from the directory
//! shipped with the app.

use base64::Engine as _;
use spearmint_engine::provider::institutions;
use spearmint_engine::provider::ofx::{OfxBank, OfxCredentials};
use spearmint_engine::{
    AccountId, AccountKind, ColumnMapping, Connection, CsvColumns, Engine, ImportProgress, ImportReport, ImportRequest,
    NewAccount, OfxLogin,
};
use tauri::State;
use tauri::ipc::Channel;
use zeroize::Zeroizing;

use super::{blocking, blocking_write};
use crate::error::IpcError;
use crate::state::AppState;

/// Imports a file (or previews it with `dry_run`); `content` is the file's bytes in base64.
/// `account` is the account the file belongs to, needed for CSV and QIF; OFX, CAMT.053 and
/// SimpleFIN files name their own.
#[tauri::command]
pub async fn import_file(
    state: State<'_, AppState>,
    file_name: String,
    content: String,
    account: Option<AccountId>,
    mapping: Option<ColumnMapping>,
    dry_run: bool,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, IpcError> {
    let bytes = decode(&content)?;
    let mapping = mapping.map(|m| m.to_csv_mapping()).transpose()?;
    let engine = state.engine.clone();
    blocking_write(&state.engine, move || {
        let request = ImportRequest {
            bytes,
            file_name: Some(file_name),
            account,
            mapping,
            currency: None,
            dry_run,
            log_user: None,
        };
        engine.import_file_with_progress(request, &|p| {
            let _ = on_progress.send(*p);
        })
    })
    .await
}

/// A CSV file's columns and first rows, to map them by hand; `content` is the file in base64.
#[tauri::command]
pub async fn csv_columns(content: String) -> Result<CsvColumns, IpcError> {
    let bytes = decode(&content)?;
    blocking(move || Engine::csv_columns(&bytes)).await
}

fn decode(content: &str) -> Result<Vec<u8>, IpcError> {
    // Four base64 characters carry three bytes: refuse a file over the engine's cap unread.
    if content.len() as u64 / 4 * 3 > spearmint_engine::MAX_IMPORT_BYTES + 3 {
        return Err(IpcError::invalid(format!(
            "the file is larger than {} MiB, too large to be a bank's statement: export a shorter period from \
             the bank and import each file",
            spearmint_engine::MAX_IMPORT_BYTES / (1024 * 1024)
        )));
    }
    base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|_| IpcError::invalid("the file did not arrive whole: pick it again"))
}

/// A manual account, for the files of a bank that Spearmint does not reach directly.
#[tauri::command]
pub async fn create_account(
    state: State<'_, AppState>,
    name: String,
    kind: AccountKind,
    currency: String,
) -> Result<AccountId, IpcError> {
    let currency = spearmint_engine::Currency::new(currency.trim())
        .map_err(|_| IpcError::invalid(format!("`{currency}` is not a currency code such as USD or EUR")))?;
    let engine = state.engine.clone();
    blocking(move || engine.create_account(NewAccount { name, kind, currency })).await
}

/// Banks of the OFX Direct Connect directory shipped with the app whose name contains `query`
/// (the closest first, at most 20).
#[tauri::command]
pub fn search_banks(query: String) -> Vec<OfxBank> {
    if query.trim().is_empty() {
        return Vec::new();
    }
    let mut found = institutions::search(&query);
    found.truncate(20);
    found
}

/// Signs on to a bank of the shipped directory, named by `bank`, over OFX Direct Connect,
/// discovers its accounts and links them; the login goes to the OS keychain. The window names a
/// directory entry, never an address: what the page says cannot send a login elsewhere. A
/// refused sign-on is `ProviderAuth` and links nothing.
#[tauri::command]
pub async fn connect_ofx(
    state: State<'_, AppState>,
    bank: String,
    user: String,
    password: String,
) -> Result<Connection, IpcError> {
    let credentials = OfxCredentials { user: Zeroizing::new(user), password: Zeroizing::new(password) };
    let bank = institutions::named(&bank).ok_or_else(|| {
        IpcError::not_found(
            "that bank is not in Spearmint's directory: search for it again, or enter the OFX address your bank \
             gave you under \"My bank is not listed\"",
        )
    })?;
    Ok(state.engine.connect_ofx(OfxLogin { bank, credentials }).await?)
}

/// Signs on over OFX Direct Connect at an address the user typed, once the user has confirmed
/// it in a dialog of the system's own (which the page cannot answer for them): the dialog names
/// the host that will receive the login. Declined, nothing is sent.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn connect_ofx_custom(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    url: String,
    org: String,
    fid: String,
    version: u32,
    user: String,
    password: String,
) -> Result<Connection, IpcError> {
    let credentials = OfxCredentials { user: Zeroizing::new(user), password: Zeroizing::new(password) };
    let host = custom_host(&url)?;
    let bank = OfxBank { name: host.clone(), url, org, fid, version };
    let question = format!(
        "Spearmint is about to send your online-banking user name and password to {host}.\n\n\
         Continue only if your bank gave you this address for OFX Direct Connect."
    );
    let confirmed = blocking(move || {
        use tauri_plugin_dialog::{DialogExt as _, MessageDialogButtons, MessageDialogKind};
        Ok(app
            .dialog()
            .message(question)
            .title("Send your bank login?")
            .kind(MessageDialogKind::Warning)
            .buttons(MessageDialogButtons::OkCancelCustom(format!("Send to {host}"), "Cancel".into()))
            .blocking_show())
    })
    .await?;
    if !confirmed {
        return Err(IpcError::invalid(
            "you did not confirm the bank's address, so nothing was sent: connect again to retry",
        ));
    }
    Ok(state.engine.connect_ofx(OfxLogin { bank, credentials }).await?)
}

/// The host of an OFX address the user typed, refused before anyone is asked to confirm it
/// when it is not an https address of a named host.
fn custom_host(url: &str) -> Result<String, IpcError> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|_| IpcError::invalid("that is not a web address: copy the whole OFX address your bank gave you"))?;
    if parsed.scheme() != "https" {
        return Err(IpcError::invalid(
            "a bank's OFX address starts with https://: check the address your bank gave you",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(IpcError::invalid(
            "the address holds a user name or password: enter the address without them, and your login below",
        ));
    }
    match parsed.host_str() {
        Some(host) if !host.is_empty() => Ok(host.to_owned()),
        _ => Err(IpcError::invalid("that address names no server: check the address your bank gave you")),
    }
}

/// Claims a SimpleFIN Bridge setup token and links the connection (the access URL goes to the
/// OS keychain); a refresh then fetches its accounts.
#[tauri::command]
pub async fn connect_simplefin(state: State<'_, AppState>, setup_token: String) -> Result<Connection, IpcError> {
    Ok(state.engine.connect_simplefin(setup_token.trim()).await?)
}
