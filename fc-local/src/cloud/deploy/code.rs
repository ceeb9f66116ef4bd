//! The code zip `deploy` sends inline: whether the function takes one, the executable
//! FC starts in it, and the checks made before anything is sent.

use std::path::Path;

use serde_json::{Map, Value};

use crate::cloud::Resource;

/// FC takes a zip inline up to this size; larger goes through OSS.
const INLINE_LIMIT: u64 = 100 * 1024 * 1024;

/// Whether the runtime runs a code package (not a container image).
pub(super) fn takes_code(body: &Map<String, Value>, resource: &Resource) -> bool {
    let runtime = body
        .get("runtime")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| resource.props["runtime"].as_str().map(str::to_owned));
    runtime.as_deref() != Some("custom-container")
}

/// The zip's executable FC starts: `customRuntimeConfig.command`'s first word when
/// it is under /code, else `bootstrap`.
pub(super) fn entry(body: &Map<String, Value>) -> String {
    body.get("customRuntimeConfig")
        .and_then(|c| c.get("command"))
        .and_then(|c| c.get(0))
        .and_then(Value::as_str)
        .and_then(|c| c.strip_prefix("/code/"))
        .unwrap_or("bootstrap")
        .to_owned()
}

/// Checks the zip: not over FC's inline limit, and holding `entry` executable.
pub(super) fn check_zip(
    path: &Path,
    bytes: &[u8],
    entry: &str,
    custom: bool,
) -> Result<(), String> {
    if bytes.len() as u64 > INLINE_LIMIT {
        return Err(format!(
            "{} is {:.1} MB: FC takes a zip inline up to 100 MB; upload a larger one to OSS and \
             deploy it with `s deploy` (code.ossBucketName / ossObjectName)",
            path.display(),
            bytes.len() as f64 / 1_000_000.0
        ));
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{} is not a zip: {e}", path.display()))?;
    if !custom {
        return Ok(());
    }
    let file = archive.by_name(entry).map_err(|_| {
        format!(
            "{} holds no `{entry}`: FC's custom runtime starts /code/{entry} (fc-local package \
             writes it)",
            path.display()
        )
    })?;
    let mode = file.unix_mode().unwrap_or(0);
    if mode & 0o111 == 0 {
        return Err(format!(
            "{}: `{entry}` is not executable (mode {mode:o}); FC cannot start it (fc-local \
             package writes it with mode 0755)",
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(name: &str, mode: u32) -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().unix_permissions(mode);
        zip.start_file(name, options).expect("starts");
        zip.write_all(b"\x7fELF").expect("writes");
        zip.finish().expect("finishes");
        out.into_inner()
    }

    #[test]
    fn zips_need_an_executable_bootstrap() {
        let p = Path::new("code.zip");
        assert!(check_zip(p, &zip_with("bootstrap", 0o755), "bootstrap", true).is_ok());
        let e = check_zip(p, &zip_with("bootstrap", 0o644), "bootstrap", true).unwrap_err();
        assert!(e.contains("not executable"), "{e}");
        let e = check_zip(p, &zip_with("main", 0o755), "bootstrap", true).unwrap_err();
        assert!(e.contains("no `bootstrap`"), "{e}");
        let e = check_zip(p, b"not a zip", "bootstrap", true).unwrap_err();
        assert!(e.contains("not a zip"), "{e}");
    }
}
