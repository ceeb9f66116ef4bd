//! `fc-local package`: the code package for `custom.debian10/11/12`. Builds the
//! release binary (by default a static musl one, which fc gives jemalloc as its
//! allocator), copies it as `bootstrap` (mode 0755) and writes a zip holding it with
//! that mode, which FC needs to run it. Installs the target's standard library when
//! missing, looks for the C compiler musl builds need, and tells whether the binary is
//! static and, if not, which Debian runtimes its glibc needs.
//!
//! [`plan`] decides how to build and runs cargo, [`elf`] reads the executable,
//! [`verdict`] says what that means for FC, [`zip`] writes the package.

mod elf;
mod plan;
mod verdict;
mod zip;

pub(crate) use plan::DEFAULT_TARGET;

use std::path::{Path, PathBuf};

use crate::args::PackageArgs;
use crate::error::Error;
use crate::ui::{Style, Ui};

pub(crate) fn run(args: &PackageArgs, ui: &Ui) -> Result<(), Error> {
    let zip = make(args, ui)?;
    ui.out(&zip.display().to_string());
    Ok(())
}

/// Builds (or takes) the executable and writes the package, saying what it did;
/// the zip's path.
pub(crate) fn make(args: &PackageArgs, ui: &Ui) -> Result<PathBuf, Error> {
    let fatal = |e: String| Error::fatal(format!("fc-local package: {e}"));
    let executable = match &args.binary {
        Some(path) => path.clone(),
        None => plan::build(args, ui).map_err(fatal)?,
    };
    let bytes = std::fs::read(&executable)
        .map_err(|e| fatal(format!("cannot read {}: {e}", executable.display())))?;
    let verdict = verdict::describe(&bytes);
    if !verdict.ok {
        return Err(Error::failed(format!(
            "fc-local package: {}: {}",
            executable.display(),
            verdict.text
        )));
    }
    let (bootstrap, zip) = zip::write_package(&bytes, &args.out, &args.zip).map_err(fatal)?;
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    ui.say(&format!(
        "fc-local package: {} ({}), and {} ({}) holding it as `bootstrap`, mode 0755",
        bootstrap.display(),
        megabytes(size(&bootstrap)),
        zip.display(),
        megabytes(size(&zip)),
    ));
    let style = if verdict.partial {
        Style::Yellow
    } else {
        Style::Green
    };
    ui.say(&ui.paint(style, &format!("fc-local package: {}", verdict.text)));
    Ok(zip)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
