//! What the stand-in checks of every request before it acts: the ACS3-HMAC-SHA256
//! signature, verified with its own code (not fc-local's signer), answered 403
//! `SignatureDoesNotMatch` as FC does; and each body against the fields of the
//! SDK's input models.

use std::collections::HashMap;

use hmac::{KeyInit, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::stand_in::{Answer, State, error};

/// The SDK models' fields (alibabacloud-fc20230330 4.8.3).
pub(super) const CREATE_FUNCTION: &[&str] = &[
    "code",
    "cpu",
    "customContainerConfig",
    "customDNS",
    "customRuntimeConfig",
    "description",
    "disableInjectCredentials",
    "disableOndemand",
    "diskSize",
    "enableLongLiving",
    "environmentVariables",
    "functionName",
    "gpuConfig",
    "handler",
    "idleTimeout",
    "instanceConcurrency",
    "instanceIsolationMode",
    "instanceLifecycleConfig",
    "internetAccess",
    "juiceFsConfig",
    "layers",
    "logConfig",
    "memorySize",
    "microSandboxConfig",
    "nasConfig",
    "ossMountConfig",
    "polarFsConfig",
    "resourceGroupId",
    "role",
    "runtime",
    "sessionAffinity",
    "sessionAffinityConfig",
    "tags",
    "timeout",
    "tracingConfig",
    "vpcConfig",
];
pub(super) const CREATE_ONLY: &[&str] = &["functionName", "resourceGroupId", "tags"];
pub(super) const CREATE_TRIGGER: &[&str] = &[
    "description",
    "invocationRole",
    "qualifier",
    "sourceArn",
    "triggerConfig",
    "triggerName",
    "triggerType",
];
pub(super) const UPDATE_TRIGGER: &[&str] = &[
    "description",
    "invocationRole",
    "qualifier",
    "triggerConfig",
];

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stand-in's own check of an ACS3-HMAC-SHA256 signature.
pub(super) fn verify(
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &http::HeaderMap,
    body: &[u8],
    state: &mut State,
) -> Result<(), Answer> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let authorization = header("authorization");
    let rest = authorization
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .ok_or_else(|| error(403, "InvalidAuthorization", "not ACS3-HMAC-SHA256"))?;
    let mut parts = HashMap::new();
    for part in rest.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        parts.insert(k.trim(), v.trim());
    }
    let id = parts.get("Credential").copied().unwrap_or("");
    let key = state
        .keys
        .get(id)
        .cloned()
        .ok_or_else(|| error(404, "InvalidAccessKeyId.NotFound", "no such AccessKey"))?;
    let signed: Vec<&str> = parts
        .get("SignedHeaders")
        .copied()
        .unwrap_or("")
        .split(';')
        .collect();
    state.signed_headers.push(signed.join(";"));
    for required in [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ] {
        if !signed.contains(&required) {
            return Err(error(
                403,
                "SignatureDoesNotMatch",
                &format!("{required} is not signed"),
            ));
        }
    }
    if header("x-acs-version") != "2023-03-30" {
        return Err(error(400, "InvalidArgument", "x-acs-version"));
    }
    if header("x-acs-content-sha256") != hex(&Sha256::digest(body)) {
        return Err(error(
            403,
            "SignatureDoesNotMatch",
            "x-acs-content-sha256 is not the body's",
        ));
    }
    if let Some(token) = &key.token {
        if header("x-acs-security-token") != token || !signed.contains(&"x-acs-security-token") {
            return Err(error(
                403,
                "InvalidSecurityToken.Mismatch",
                "the STS token is missing or wrong",
            ));
        }
    }
    let mut pairs: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    pairs.sort_unstable();
    let mut canonical = format!("{method}\n{path}\n{}\n", pairs.join("&"));
    for name in &signed {
        canonical.push_str(&format!("{name}:{}\n", header(name).trim()));
    }
    canonical.push_str(&format!(
        "\n{}\n{}",
        signed.join(";"),
        header("x-acs-content-sha256")
    ));
    let to_sign = format!(
        "ACS3-HMAC-SHA256\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(key.secret.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    if parts.get("Signature").copied() != Some(hex(&mac.finalize().into_bytes()).as_str()) {
        return Err(error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    Ok(())
}

pub(super) fn fields_known(body: &Value, known: &[&str], input: &str) -> Result<(), Answer> {
    for key in body
        .as_object()
        .map(|m| m.keys().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if !known.contains(&key.as_str()) {
            return Err(error(
                400,
                "InvalidArgument",
                &format!("{input} has no field {key}"),
            ));
        }
    }
    Ok(())
}
