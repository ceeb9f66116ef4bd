//! What FC gives a function: its environment, the common `x-fc-*` request headers and
//! request ids. Every credential here is fake and says so.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::args::FunctionArgs;
use crate::config::FunctionConfig;

/// A fake STS access key id: recognisable, never valid.
pub(crate) const ACCESS_KEY_ID: &str = "STS.FcLocalFakeAccessKeyId";
/// A fake STS secret.
pub(crate) const ACCESS_KEY_SECRET: &str = "fc-local-fake-access-key-secret";
/// A fake STS token.
pub(crate) const SECURITY_TOKEN: &str = "fc-local-fake-security-token";
/// A fake 16-digit account id.
pub(crate) const ACCOUNT_ID: &str = "1234567890123456";
/// fc-local's defaults, without a flag or an s.yaml.
const DEFAULT_REGION: &str = "cn-hangzhou";
const DEFAULT_MEMORY_MB: u32 = 512;
const DEFAULT_TIMEOUT_S: u64 = 60;
/// The handler string custom runtimes are created with by default.
const HANDLER: &str = "index.handler";

/// The function as FC would describe it to its instance.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) function_name: String,
    pub(crate) region: String,
    pub(crate) memory_mb: u32,
    pub(crate) timeout_s: u64,
    pub(crate) instance_id: String,
}

/// The kind of request, as FC says it in `x-fc-control-path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    Invoke,
    HttpInvoke,
    Initialize,
    /// Lifecycle hooks: FC does not document their control path; they go by method
    /// and path alone.
    None,
}

impl Control {
    fn path(self) -> Option<&'static str> {
        match self {
            Control::Invoke => Some("/invoke"),
            Control::HttpInvoke => Some("/http-invoke"),
            Control::Initialize => Some("/initialize"),
            Control::None => None,
        }
    }
}

impl Identity {
    /// The function `args` describe, with what they leave out taken from `config`,
    /// then fc-local's defaults.
    pub(crate) fn new(args: &FunctionArgs, config: Option<&FunctionConfig>) -> Self {
        let function_name = args
            .function_name
            .clone()
            .or_else(|| config.and_then(|c| c.function_name.clone()))
            .unwrap_or_else(|| default_name(&args.command));
        Self {
            function_name,
            region: args
                .region
                .clone()
                .or_else(|| config.and_then(|c| c.region.clone()))
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            memory_mb: args
                .memory
                .or(config.map(|c| c.memory_mb))
                .unwrap_or(DEFAULT_MEMORY_MB),
            timeout_s: args
                .timeout
                .or(config.map(|c| c.timeout_s))
                .unwrap_or(DEFAULT_TIMEOUT_S),
            instance_id: format!("c-{}", random_hex(8, 8, 12)),
        }
    }

    /// The instance's environment variables (contract §1 and §4).
    pub(crate) fn env(&self, port: u16) -> Vec<(&'static str, String)> {
        vec![
            ("FC_CUSTOM_LISTEN_PORT", port.to_string()),
            ("FC_SERVER_PORT", port.to_string()),
            ("FC_FUNCTION_NAME", self.function_name.clone()),
            ("FC_FUNCTION_MEMORY_SIZE", self.memory_mb.to_string()),
            ("FC_REGION", self.region.clone()),
            ("FC_ACCOUNT_ID", ACCOUNT_ID.to_owned()),
            ("FC_INSTANCE_ID", self.instance_id.clone()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID.to_owned()),
            (
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                ACCESS_KEY_SECRET.to_owned(),
            ),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", SECURITY_TOKEN.to_owned()),
        ]
    }

    /// The headers FC puts on every request it sends the instance (contract §4),
    /// including the ones real FC 3.0 traffic sends present but empty.
    pub(crate) fn headers(&self, request_id: &str, control: Control) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let mut set = |name: &'static str, value: &str| {
            if let Ok(value) = HeaderValue::from_str(value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        set("x-fc-request-id", request_id);
        set("x-fc-access-key-id", ACCESS_KEY_ID);
        set("x-fc-access-key-secret", ACCESS_KEY_SECRET);
        set("x-fc-security-token", SECURITY_TOKEN);
        set("x-fc-function-name", &self.function_name);
        set("x-fc-function-handler", HANDLER);
        set("x-fc-function-memory", &self.memory_mb.to_string());
        set("x-fc-function-timeout", &self.timeout_s.to_string());
        set("x-fc-region", &self.region);
        set("x-fc-account-id", ACCOUNT_ID);
        set("x-fc-qualifier", "LATEST");
        set("x-fc-version-id", "");
        set("x-fc-service-logproject", "");
        set("x-fc-service-logstore", "");
        if let Some(path) = control.path() {
            set("x-fc-control-path", path);
        }
        headers
    }
}

/// The command's file name; for `cargo run`, the `--bin` or `--example` it names.
fn default_name(command: &[String]) -> String {
    let stem = command
        .first()
        .and_then(|program| std::path::Path::new(program).file_stem())
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("function");
    if stem != "cargo" {
        return stem.to_owned();
    }
    command
        .windows(2)
        .find(|w| w[0] == "--bin" || w[0] == "--example")
        .map(|w| w[1].clone())
        .or_else(|| package_name(&std::fs::read_to_string("Cargo.toml").ok()?))
        .unwrap_or_else(|| "function".to_owned())
}

/// `name` in a manifest's `[package]` table, read plainly (no TOML parser for one
/// default).
fn package_name(manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("name").map(str::trim_start) {
                let value = value.strip_prefix('=')?.trim().trim_matches('"');
                return (!value.is_empty()).then(|| value.to_owned());
            }
        }
    }
    None
}

/// A new request id in FC's form, `1-xxxxxxxx-xxxxxxxx-xxxxxxxxxxxx`: the first group
/// is the time in seconds, as FC's are.
pub(crate) fn request_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let random = random_hex(0, 8, 12);
    format!("1-{:08x}{random}", secs & 0xffff_ffff)
}

/// Dash-separated random hex groups of these lengths (a zero length is left out, and
/// its dash kept so the caller can prefix).
fn random_hex(a: usize, b: usize, c: usize) -> String {
    let mut out = String::new();
    for (i, len) in [a, b, c].into_iter().enumerate() {
        if i > 0 {
            out.push('-');
        }
        let mut left = len;
        while left > 0 {
            let take = left.min(16);
            let value = random_u64() & (u64::MAX >> (64 - 4 * take));
            out.push_str(&format!("{value:0take$x}"));
            left -= take;
        }
    }
    out
}

/// Random enough for ids: a fresh `RandomState` (seeded per process by the OS)
/// hashing a counter.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_have_fcs_form_and_differ() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        for id in [a, b] {
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(parts.len(), 4, "{id}");
            assert_eq!(parts[0], "1");
            assert_eq!(
                parts[1..].iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 8, 12],
                "{id}"
            );
            assert!(
                parts[1..]
                    .iter()
                    .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit())),
                "{id}"
            );
        }
    }

    #[test]
    fn the_default_name_is_the_commands() {
        let name =
            |args: &[&str]| default_name(&args.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(name(&["target/debug/examples/hello"]), "hello");
        assert_eq!(name(&["/code/bootstrap", "--flag"]), "bootstrap");
        assert_eq!(
            name(&["cargo", "run", "-q", "--example", "orders"]),
            "orders"
        );
        assert_eq!(
            package_name("[workspace]\nname = \"no\"\n[package]\nname = \"my-fn\"\n"),
            Some("my-fn".to_owned())
        );
        assert_eq!(package_name("[package]\nversion = \"1\""), None);
    }

    #[test]
    fn instance_ids_look_like_fcs() {
        let id = format!("c-{}", random_hex(8, 8, 12));
        assert_eq!(id.len(), 2 + 8 + 1 + 8 + 1 + 12, "{id}");
    }
}
