//! The AccessKey that signs requests: `ALIBABA_CLOUD_ACCESS_KEY_ID` /
//! `ALIBABA_CLOUD_ACCESS_KEY_SECRET` / optional `ALIBABA_CLOUD_SECURITY_TOKEN`, else a
//! profile of the aliyun CLI's `~/.aliyun/config.json` (its `current` one, or the one
//! named; modes `AK` and `StsToken`). The secret and the token never reach output:
//! `Debug` shows neither.

use std::path::{Path, PathBuf};

/// The environment variables, by convention of Alibaba's SDKs and CLI.
pub(crate) const ENV_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
pub(crate) const ENV_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
pub(crate) const ENV_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// An AccessKey, with an STS token when temporary.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub(crate) access_key_id: String,
    secret: String,
    security_token: Option<String>,
    /// Where they came from, for messages: `ALIBABA_CLOUD_ACCESS_KEY_ID`, or
    /// `~/.aliyun/config.json (profile default)`.
    pub(crate) source: String,
    /// The profile's `region_id`, when it has one.
    pub(crate) region: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("source", &self.source)
            .finish()
    }
}

impl Credentials {
    pub(crate) fn new(id: &str, secret: &str, security_token: Option<String>) -> Self {
        Self {
            access_key_id: id.to_owned(),
            secret: secret.to_owned(),
            security_token: security_token.filter(|t| !t.is_empty()),
            source: "given".to_owned(),
            region: None,
        }
    }

    pub(crate) fn secret(&self) -> &str {
        &self.secret
    }

    pub(crate) fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// The credentials to use: `profile`'s when one is named, else the environment's,
    /// else the aliyun CLI's current profile. None found is an error naming what to
    /// set.
    pub(crate) fn find(profile: Option<&str>) -> Result<Credentials, String> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if profile.is_none() {
            match (env(ENV_ID), env(ENV_SECRET)) {
                (Some(id), Some(secret)) => {
                    let mut found = Credentials::new(id.trim(), secret.trim(), env(ENV_TOKEN));
                    found.source = ENV_ID.to_owned();
                    return Ok(found);
                }
                (Some(_), None) => return Err(format!("{ENV_ID} is set but {ENV_SECRET} is not")),
                (None, Some(_)) => return Err(format!("{ENV_SECRET} is set but {ENV_ID} is not")),
                (None, None) => {}
            }
        }
        let file = aliyun_config();
        match file.as_deref().map(std::fs::read_to_string) {
            Some(Ok(text)) => from_aliyun_config(&text, profile, file.as_deref()),
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => Err(format!(
                "cannot read {}: {e}",
                file.as_deref().unwrap_or(Path::new("?")).display()
            )),
            _ => Err(match profile {
                Some(name) => format!(
                    "--profile {name}: there is no aliyun CLI configuration (~/.aliyun/config.json)"
                ),
                None => format!(
                    "no credentials: set {ENV_ID} and {ENV_SECRET} (and {ENV_TOKEN} for an STS \
                     token), or configure the aliyun CLI (`aliyun configure`, \
                     ~/.aliyun/config.json)"
                ),
            }),
        }
    }
}

/// `~/.aliyun/config.json`.
fn aliyun_config() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".aliyun").join("config.json"))
}

/// A profile of the aliyun CLI's configuration file.
pub(crate) fn from_aliyun_config(
    text: &str,
    profile: Option<&str>,
    file: Option<&Path>,
) -> Result<Credentials, String> {
    let shown = file.map_or_else(
        || "~/.aliyun/config.json".to_owned(),
        |f| f.display().to_string(),
    );
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{shown} is not JSON: {e}"))?;
    let name = match profile {
        Some(name) => name.to_owned(),
        None => json
            .get("current")
            .and_then(|c| c.as_str())
            .filter(|c| !c.is_empty())
            .unwrap_or("default")
            .to_owned(),
    };
    let found = json
        .get("profiles")
        .and_then(|p| p.as_array())
        .and_then(|profiles| {
            profiles
                .iter()
                .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
        })
        .ok_or_else(|| format!("{shown} has no profile `{name}`"))?;
    let field = |key: &str| {
        found
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mode = field("mode").unwrap_or_else(|| "AK".to_owned());
    let token = match mode.as_str() {
        "AK" => None,
        "StsToken" => Some(field("sts_token").ok_or_else(|| {
            format!("{shown}: profile `{name}` (mode StsToken) has no sts_token")
        })?),
        other => {
            return Err(format!(
                "{shown}: profile `{name}` has mode {other}; fc-local reads modes AK and StsToken \
                 (or set {ENV_ID} and {ENV_SECRET})"
            ));
        }
    };
    let (Some(id), Some(secret)) = (field("access_key_id"), field("access_key_secret")) else {
        return Err(format!(
            "{shown}: profile `{name}` has no access_key_id and access_key_secret"
        ));
    };
    let mut credentials = Credentials::new(&id, &secret, token);
    credentials.source = format!("{shown} (profile {name})");
    credentials.region = field("region_id");
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
      "current": "work",
      "profiles": [
        {"name": "default", "mode": "AK", "access_key_id": "LTAIdefault",
         "access_key_secret": "default-secret", "region_id": "cn-hangzhou"},
        {"name": "work", "mode": "StsToken", "access_key_id": "STS.work",
         "access_key_secret": "work-secret", "sts_token": "work-token",
         "region_id": "cn-shanghai"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIrole",
         "access_key_secret": "role-secret"}
      ]
    }"#;

    #[test]
    fn the_current_profile_is_read_in_sts_mode() {
        let c = from_aliyun_config(FILE, None, None).expect("reads");
        assert_eq!(c.access_key_id, "STS.work");
        assert_eq!(c.secret(), "work-secret");
        assert_eq!(c.security_token(), Some("work-token"));
        assert_eq!(c.region.as_deref(), Some("cn-shanghai"));
    }

    #[test]
    fn a_named_profile_in_ak_mode_has_no_token() {
        let c = from_aliyun_config(FILE, Some("default"), None).expect("reads");
        assert_eq!(
            (c.access_key_id.as_str(), c.security_token()),
            ("LTAIdefault", None)
        );
    }

    #[test]
    fn other_modes_and_missing_profiles_are_refused_by_name() {
        let e = from_aliyun_config(FILE, Some("role"), None).unwrap_err();
        assert!(e.contains("RamRoleArn") && e.contains(ENV_ID), "{e}");
        let e = from_aliyun_config(FILE, Some("nope"), None).unwrap_err();
        assert!(e.contains("no profile `nope`"), "{e}");
    }

    #[test]
    fn debug_shows_neither_secret_nor_token() {
        let c = from_aliyun_config(FILE, None, None).expect("reads");
        let shown = format!("{c:?}");
        assert!(shown.contains("STS.work"), "{shown}");
        assert!(
            !shown.contains("work-secret") && !shown.contains("work-token"),
            "{shown}"
        );
    }
}
