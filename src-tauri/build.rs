//! Tauri's build step. tauri.conf.json and icons/ sit at the repository root (this package's
//! root); capabilities live in src-tauri/capabilities. The app manifest declares our commands,
//! so capabilities can grant exactly those and nothing else.

fn main() {
    // generate_context! embeds ui/dist; a fresh clone has not built the UI yet, so give it a
    // placeholder page that says how, rather than failing the Rust build.
    let dist = std::path::Path::new("ui/dist");
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("create ui/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Spearmint</title><p>The UI is not built: run <code>cargo xtask run</code>.</p>",
        )
        .expect("write ui/dist/index.html");
    }
    println!("cargo:rerun-if-changed=ui/dist");
    let manifest = tauri_build::AppManifest::new().commands(&[
        "vault_status",
        "open_vault",
        "create_vault",
        "unlock_vault",
        "lock_vault",
        "list_accounts",
        "list_transactions",
        "list_connections",
        "connect_demo",
        "refresh_all",
        "import_file",
        "csv_columns",
        "create_account",
        "connect_simplefin",
        "search_banks",
        "connect_ofx",
        "daily_refresh",
        "set_daily_time",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    tauri_build::try_build(attributes).expect("tauri build step");
}
