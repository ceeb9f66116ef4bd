//! The code package: `bootstrap` (mode 0755) beside the zip holding it with that
//! mode, which FC needs to run it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the executable's `bytes` to `<out>/bootstrap` with mode 0755 and zips it
/// as `bootstrap`, mode 0755, into `<out>/<zip_name>`.
pub(super) fn write_package(
    bytes: &[u8],
    out: &Path,
    zip_name: &str,
) -> Result<(PathBuf, PathBuf), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let bootstrap = out.join("bootstrap");
    std::fs::write(&bootstrap, bytes)
        .map_err(|e| format!("cannot write {}: {e}", bootstrap.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bootstrap, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("cannot make {} executable: {e}", bootstrap.display()))?;
    }
    let zip_path = out.join(zip_name);
    let file = std::fs::File::create(&zip_path)
        .map_err(|e| format!("cannot create {}: {e}", zip_path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
    let failed = |e: &dyn std::fmt::Display| format!("writing {}: {e}", zip_path.display());
    zip.start_file("bootstrap", options)
        .map_err(|e| failed(&e))?;
    zip.write_all(bytes).map_err(|e| failed(&e))?;
    zip.finish().map_err(|e| failed(&e))?;
    Ok((bootstrap, zip_path))
}
