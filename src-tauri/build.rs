//! Tauri's build step. tauri.conf.json and icons/ sit at the repository root (this package's
//! root); capabilities live in src-tauri/capabilities. The app manifest declares our commands,
//! taken from the one list in src/commands/list.rs, so capabilities can grant exactly those and
//! nothing else.

include!("src/commands/list.rs");

/// The names of the commands of `with_commands!`.
macro_rules! command_names {
    ($($module:ident :: $name:ident { $($meta:tt)* }),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

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
    let manifest = tauri_build::AppManifest::new().commands(with_commands!(command_names));
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    tauri_build::try_build(attributes).expect("tauri build step");
}
