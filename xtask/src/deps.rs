//! What the build and the tests need from the machine: Debian packages and tauri-driver.
//! Every check is cheap, so a machine that has everything spends seconds here.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::command;

/// To build the Tauri app (WebKitGTK and friends) and SQLCipher (libssl).
pub const BUILD_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "pkg-config",
    "build-essential",
    "file",
];

/// To run the tests: a headless X server, WebKit's WebDriver, a real Secret Service and kernel
/// keyring, Chromium for the UI tests. Never `dunst`: the session bus would auto-start it, it
/// crashes without a display and notifications then fail.
pub const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "gnome-keyring",
    "libsecret-tools",
    "dbus",
    "chromium",
    "imagemagick",
    "keyutils",
    // The end-to-end tests' notification server (tests/e2e/notifications.py) and `gdbus`.
    "python3-dbus",
    "python3-gi",
    "libglib2.0-bin",
    // Keys typed into the system's save dialog, which WebDriver cannot reach.
    "xdotool",
    // The C compiler the Windows check builds SQLCipher and OpenSSL with.
    "gcc-mingw-w64-x86-64",
    // Apache Spark's runtime, for the batch job on a real cluster.
    "openjdk-17-jre-headless",
    // The sync server's second backend, and the reverse proxy two servers run behind.
    "postgresql",
    "nginx",
];

/// What the batch job's cluster test runs on, from the Python registry: mrjob's local runner
/// (Hadoop Streaming emulated) and Apache Spark (standalone master and workers).
pub const PYTHON_TEST_PACKAGES: &[&str] = &["mrjob==0.7.4", "pyspark==3.5.8"];

/// Installs Python packages with the machine's `python3 -m pip`; a no-op when they are there.
pub fn python_packages(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            let (name, version) = p.split_once("==").unwrap_or((p, ""));
            let shown = Command::new("python3").args(["-m", "pip", "show", name]).output();
            !shown.is_ok_and(|o| {
                o.status.success()
                    && String::from_utf8_lossy(&o.stdout).lines().any(|l| l == format!("Version: {version}"))
            })
        })
        .collect();
    if missing.is_empty() {
        println!("    already installed: {}", packages.join(" "));
        return Ok(());
    }
    command::run(
        Command::new("python3").args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]).args(&missing),
    )
    .with_context(|| format!("cannot install {} from the Python registry", missing.join(" ")))
}

/// Installs the Debian packages that are missing, if any. Elsewhere, says what is needed.
pub fn system_packages(packages: &[&str]) -> Result<()> {
    if !command::on_path("dpkg-query") {
        println!(
            "    not a Debian system (no dpkg-query): skipping the install; make sure the equivalents of these are installed:\n    {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing = packages
        .iter()
        .copied()
        .filter_map(|package| match installed(package) {
            Ok(true) => None,
            Ok(false) => Some(Ok(package)),
            Err(error) => Some(Err(error)),
        })
        .collect::<Result<Vec<_>>>()?;
    if missing.is_empty() {
        println!("    all {} packages are installed", packages.len());
        return Ok(());
    }
    println!("    missing: {}", missing.join(" "));
    if !command::on_path("apt-get") {
        println!("    no apt-get here: skipping the install; install the packages above yourself");
        return Ok(());
    }
    command::run(&mut apt_get(&["update"])?).context("`apt-get update` failed: check the network and apt sources")?;
    let install = ["install", "-y", "--no-install-recommends"].into_iter().chain(missing.iter().copied());
    command::run(&mut apt_get(&install.collect::<Vec<_>>())?)
        .with_context(|| format!("could not install {}: install them by hand and run again", missing.join(" ")))
}

/// `dpkg-query` reports `want error-flag status`, e.g. `install ok installed` or, for a removed
/// package that left its configuration behind, `deinstall ok config-files`.
fn installed(package: &str) -> Result<bool> {
    let output = Command::new("dpkg-query")
        .args(["-W", "--showformat=${Status}", package])
        .output()
        .context("could not run `dpkg-query`")?;
    // An unknown package makes dpkg-query exit with 1: that is "not installed", not an error.
    let status = String::from_utf8_lossy(&output.stdout);
    Ok(output.status.success() && status.split_whitespace().nth(2) == Some("installed"))
}

/// `apt-get ARGS`, through `sudo` unless we are root.
fn apt_get(args: &[&str]) -> Result<Command> {
    let mut cmd = if is_root()? {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        // sudo resets the environment; pass the one variable apt needs to never prompt.
        sudo.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        sudo
    };
    cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    Ok(cmd)
}

pub fn is_root() -> Result<bool> {
    Ok(command::stdout(Command::new("id").arg("-u"))?.trim() == "0")
}

/// Makes sure a tauri-driver 2.x is on PATH and returns its path. tauri-driver has no
/// `--version`, so the version comes from `cargo install --list`. crates.io also carries a
/// 3.0 alpha, hence the explicit `^2`.
pub fn tauri_driver() -> Result<PathBuf> {
    let installed = tauri_driver_version()?;
    match (command::find_on_path("tauri-driver"), installed.as_deref()) {
        (Some(path), Some(version)) if version.starts_with("2.") => {
            println!("    tauri-driver {version} at {}", path.display());
            return Ok(path);
        }
        (Some(path), None) => {
            println!(
                "    using {} (not installed by cargo, so its version is unknown; it must be 2.x)",
                path.display()
            );
            return Ok(path);
        }
        (_, Some(version)) => {
            println!("    tauri-driver {version} is installed, but Tauri 2 needs 2.x: reinstalling")
        }
        (None, None) => println!("    tauri-driver is not installed: installing it"),
    }
    command::run(Command::new("cargo").args(["install", "tauri-driver", "--locked", "--version", "^2"]))
        .context("could not install tauri-driver: check that crates.io is reachable")?;
    command::find_on_path("tauri-driver")
        .context("tauri-driver was installed but is not on PATH: add cargo's bin directory (~/.cargo/bin) to PATH")
}

fn tauri_driver_version() -> Result<Option<String>> {
    let list = command::stdout(Command::new("cargo").args(["install", "--list"]))?;
    // Lines look like `tauri-driver v2.1.0:`.
    Ok(list.lines().find_map(|line| {
        let version = line.strip_prefix("tauri-driver v")?;
        Some(version.trim_end_matches(':').to_owned())
    }))
}
