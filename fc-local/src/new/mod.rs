//! `fc-local new <path>`: a new function crate that builds, passes its tests and
//! `fc-local check` as it is: `Cargo.toml` (fc, serde, tracing, the release profile fc
//! recommends), `src/main.rs` with its tests on `fc::testing`, an `s.yaml`, a
//! `Dockerfile`, `.gitignore`, `.dockerignore` and a README. [`template`] holds the
//! files; this module checks the name, writes them and says what to do next.

pub(crate) mod template;

use std::path::Path;

use crate::args::NewArgs;
use crate::error::Error;
use crate::ui::{Style, Ui};
use template::{Crate, FcSource, Kind};

pub(crate) fn run(args: &NewArgs, ui: &Ui) -> Result<(), Error> {
    let krate = create(args).map_err(|e| Error::fatal(format!("fc-local new: {e}")))?;
    next_steps(&krate, &args.path, ui);
    Ok(())
}

/// Writes the crate; nothing is left behind when it fails.
fn create(args: &NewArgs) -> Result<Crate, String> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                format!(
                    "`{}` does not end in a name; give one with --name",
                    args.path.display()
                )
            })?
            .to_owned(),
    };
    check_name(&name)?;
    let kind = match (&args.event, args.http) {
        (Some(trigger), _) => Kind::Trigger(
            template::trigger(trigger)
                .ok_or_else(|| format!("no template for the trigger `{trigger}`"))?,
        ),
        (None, true) => Kind::Http,
        (None, false) => Kind::Event,
    };
    let fc = match (&args.fc_path, &args.fc_git) {
        (Some(dir), _) => FcSource::Path(fc_checkout(dir)?),
        (None, Some(url)) => FcSource::Git(url.clone()),
        (None, None) => FcSource::Version(env!("CARGO_PKG_VERSION").to_owned()),
    };
    let krate = Crate {
        name,
        kind,
        container: args.container,
        fc,
    };
    if args.path.exists() || args.path.is_symlink() {
        return Err(format!(
            "`{}` already exists; fc-local new makes a new directory and never writes \
             into an existing one",
            args.path.display()
        ));
    }
    if let Some(parent) = args.path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    // create_dir, not create_dir_all: it fails if the directory appeared meanwhile.
    std::fs::create_dir(&args.path)
        .map_err(|e| format!("cannot create {}: {e}", args.path.display()))?;
    if let Err(e) = write_files(&args.path, &krate) {
        let _ = std::fs::remove_dir_all(&args.path);
        return Err(e);
    }
    Ok(krate)
}

fn write_files(dir: &Path, krate: &Crate) -> Result<(), String> {
    for (path, contents) in krate.files() {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The checkout's absolute path, once it is seen to hold fc-rs.
fn fc_checkout(dir: &Path) -> Result<String, String> {
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("--fc-path {}: {e}", dir.display()))?;
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .map_err(|e| format!("--fc-path {}: no Cargo.toml: {e}", dir.display()))?;
    if !manifest.lines().any(|l| l.trim() == r#"name = "fc-rs""#) {
        return Err(format!(
            "--fc-path {}: its Cargo.toml is not fc-rs's (the root of fc's repository)",
            dir.display()
        ));
    }
    dir.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("--fc-path {}: not UTF-8", dir.display()))
}

/// Names that Cargo refuses, or that would shadow what the crate depends on.
const RESERVED: &[&str] = &[
    // Cargo: the standard library's crates, and its own directories.
    "alloc",
    "core",
    "proc_macro",
    "std",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    // The crate's own dependencies.
    "fc",
    "fc_rs",
    "fc_local",
    "serde",
    "tracing",
    "tokio",
];

/// Rust's keywords: not crate names.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A name that is a crate name, a binary name and an FC function name at once:
/// ASCII letters, digits, `-` and `_`, starting with a letter or `_`, at most 64
/// characters (FC's limit), and not reserved.
fn check_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{name}` cannot be the function's name: {why}"));
    let Some(first) = name.chars().next() else {
        return bad("it is empty");
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return bad("it must start with a letter or `_`");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return bad(&format!(
            "`{c}` is not allowed (letters, digits, `-` and `_` are)"
        ));
    }
    if name.len() > 64 {
        return bad("FC allows at most 64 characters");
    }
    let normal = name.to_ascii_lowercase().replace('-', "_");
    if KEYWORDS.contains(&normal.as_str()) {
        return bad("it is a Rust keyword");
    }
    if RESERVED.contains(&normal.as_str()) {
        return bad("Cargo reserves it, or the crate depends on a crate of that name");
    }
    Ok(())
}

/// What was made, and the commands to run next.
fn next_steps(krate: &Crate, path: &Path, ui: &Ui) {
    let fc = match &krate.fc {
        FcSource::Version(version) => format!("fc-rs {version} from crates.io"),
        FcSource::Path(path) => format!("fc from {path}"),
        FcSource::Git(url) => format!("fc from {url}"),
    };
    let layout = if krate.container {
        "custom container"
    } else {
        "code package"
    };
    ui.say(&format!(
        "{} the FC {} `{}` in {} ({layout}; {fc})",
        ui.paint(Style::Green, "Created"),
        krate.what(),
        krate.name,
        path.display(),
    ));
    let deploy = if krate.container {
        "docker build -t <image> . && docker push <image> && fc-local deploy".to_owned()
    } else {
        "fc-local deploy".to_owned()
    };
    let mut steps = krate.commands();
    steps.push((deploy, "to FC: see README.md and s.yaml"));
    let width = steps
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    ui.out("Next:");
    ui.out(&format!("  cd {}", path.display()));
    for (command, what) in steps {
        let pad = " ".repeat(width - command.chars().count());
        ui.out(&format!(
            "  {}{pad}  {}",
            ui.paint_out(Style::Bold, &command),
            ui.paint_out(Style::Dim, &format!("# {what}"))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_are_crate_and_function_names() {
        for good in ["my-function", "f", "_x", "resize_images2", "A-b"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("2fast", "start with a letter"),
            ("-x", "start with a letter"),
            ("my function", "` ` is not allowed"),
            ("café", "`é` is not allowed"),
            ("a.b", "`.` is not allowed"),
            ("fn", "keyword"),
            ("test", "Cargo reserves it"),
            ("fc", "depends on a crate"),
            ("fc-rs", "depends on a crate"),
            ("Serde", "depends on a crate"),
        ] {
            let error = check_name(bad).expect_err(bad);
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(check_name(&"a".repeat(64)).is_ok());
        assert!(check_name(&"a".repeat(65)).unwrap_err().contains("64"));
    }
}
