//! `fc-local deploy` and `fc-local invoke --remote` against a stand-in of FC 3.0's
//! OpenAPI started here on 127.0.0.1:0. The stand-in verifies every request's
//! ACS3-HMAC-SHA256 signature with its own code (not fc-local's signer, whose
//! correctness Alibaba's published example establishes) and answers 403
//! `SignatureDoesNotMatch` as FC does; it checks each body against the fields of
//! the SDK's CreateFunctionInput / UpdateFunctionInput / CreateTriggerInput /
//! UpdateTriggerInput; keeps functions and triggers in memory; and runs the
//! deployed zip's `bootstrap` (FC_CUSTOM_LISTEN_PORT) to answer InvokeFunction with
//! its log tail. Nothing leaves the loopback interface.

#![allow(clippy::unwrap_used, reason = "test code")]
#![allow(
    clippy::result_large_err,
    reason = "the stand-in answers its refusals as they are"
)]

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use hmac::{KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use common::{example, fc_local, profile_dir, run};

const LIMIT: Duration = Duration::from_secs(120);
const REGION: &str = "cn-hangzhou";
const ACCOUNT: &str = "1234567890123456";

/// The SDK models' fields (alibabacloud-fc20230330 4.8.3).
const CREATE_FUNCTION: &[&str] = &[
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
const CREATE_ONLY: &[&str] = &["functionName", "resourceGroupId", "tags"];
const CREATE_TRIGGER: &[&str] = &[
    "description",
    "invocationRole",
    "qualifier",
    "sourceArn",
    "triggerConfig",
    "triggerName",
    "triggerType",
];
const UPDATE_TRIGGER: &[&str] = &[
    "description",
    "invocationRole",
    "qualifier",
    "triggerConfig",
];

/// An AccessKey the stand-in knows: its secret and, for STS, its token.
#[derive(Clone)]
struct Key {
    secret: String,
    token: Option<String>,
}

/// A deployed function: its body as FC keeps it, its code, and its instance.
struct Function {
    body: Value,
    zip: Vec<u8>,
    instance: Option<Instance>,
}

struct Instance {
    child: Child,
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    _dir: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
struct State {
    keys: HashMap<String, Key>,
    functions: HashMap<String, Function>,
    triggers: HashMap<(String, String), Value>,
    /// `action method path` of every request, signed or not.
    seen: Vec<String>,
    /// Signed header lists seen, for the STS check.
    signed_headers: Vec<String>,
    /// GetFunction calls still to answer 503, as an overloaded FC would.
    failing_reads: u32,
    port: u16,
    dir: PathBuf,
}

/// The stand-in, serving on its own thread and runtime.
struct Fc {
    url: String,
    state: Arc<Mutex<State>>,
}

impl Fc {
    fn start(dir: &Path, keys: &[(&str, &str, Option<&str>)]) -> Fc {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            keys: keys
                .iter()
                .map(|(id, secret, token)| {
                    (
                        (*id).to_owned(),
                        Key {
                            secret: (*secret).to_owned(),
                            token: token.map(str::to_owned),
                        },
                    )
                })
                .collect(),
            port,
            dir: dir.to_owned(),
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let state = Arc::clone(&shared);
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            let state = Arc::clone(&state);
                            async move {
                                Ok::<_, std::convert::Infallible>(handle(request, state).await)
                            }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        Fc {
            url: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.state.lock().unwrap().seen.clone()
    }

    fn function(&self, name: &str) -> Value {
        self.state.lock().unwrap().functions[name].body.clone()
    }
}

type Answer = Response<Full<Bytes>>;

fn answer(status: u16, body: &Value) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-acs-request-id", "stand-in-request-id")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn error(status: u16, code: &str, message: &str) -> Answer {
    answer(
        status,
        &json!({ "Code": code, "Message": message, "RequestId": "stand-in-request-id" }),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stand-in's own check of an ACS3-HMAC-SHA256 signature.
fn verify(
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

fn fields_known(body: &Value, known: &[&str], input: &str) -> Result<(), Answer> {
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

async fn handle(request: Request<Incoming>, state: Arc<Mutex<State>>) -> Answer {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    let path = parts.uri.path().to_owned();
    let action = parts
        .headers
        .get("x-acs-action")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let method = parts.method.as_str().to_owned();
    {
        let mut state = state.lock().unwrap();
        state.seen.push(format!("{action} {method} {path}"));
        if let Err(refused) = verify(
            &method,
            &path,
            parts.uri.query(),
            &parts.headers,
            &body,
            &mut state,
        ) {
            return refused;
        }
        if action == "GetFunction" && state.failing_reads > 0 {
            state.failing_reads -= 1;
            return error(503, "ServiceUnavailable", "try again");
        }
    }
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("%20", " "))
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let json_body = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    match (action.as_str(), method.as_str(), segments.as_slice()) {
        ("GetFunction", "GET", ["2023-03-30", "functions", name]) => {
            let state = state.lock().unwrap();
            match state.functions.get(*name) {
                Some(f) => answer(200, &f.body),
                None => error(
                    404,
                    "FunctionNotFound",
                    &format!("function {name} not found"),
                ),
            }
        }
        ("CreateFunction", "POST", ["2023-03-30", "functions"]) => {
            let input = json_body();
            if let Err(e) = fields_known(&input, CREATE_FUNCTION, "CreateFunctionInput") {
                return e;
            }
            let name = input["functionName"].as_str().unwrap_or("").to_owned();
            let mut state = state.lock().unwrap();
            if state.functions.contains_key(&name) {
                return error(409, "FunctionAlreadyExists", "exists");
            }
            for required in ["functionName", "runtime", "handler"] {
                if input[required].is_null() {
                    return error(400, "MissingParameter", required);
                }
            }
            store(&mut state, &name, input, None)
        }
        ("UpdateFunction", "PUT", ["2023-03-30", "functions", name]) => {
            let input = json_body();
            let update: Vec<&str> = CREATE_FUNCTION
                .iter()
                .copied()
                .filter(|f| !CREATE_ONLY.contains(f))
                .collect();
            if let Err(e) = fields_known(&input, &update, "UpdateFunctionInput") {
                return e;
            }
            let mut state = state.lock().unwrap();
            let Some(old) = state.functions.remove(*name) else {
                return error(404, "FunctionNotFound", "not found");
            };
            let mut merged = old.body.clone();
            for (k, v) in input.as_object().unwrap() {
                merged[k] = v.clone();
            }
            store(&mut state, name, merged, Some(old.zip))
        }
        ("GetTrigger", "GET", ["2023-03-30", "functions", name, "triggers", trigger]) => {
            let state = state.lock().unwrap();
            match state
                .triggers
                .get(&((*name).to_owned(), (*trigger).to_owned()))
            {
                Some(t) => answer(200, t),
                None => error(404, "TriggerNotFound", "not found"),
            }
        }
        ("CreateTrigger", "POST", ["2023-03-30", "functions", name, "triggers"]) => {
            let input = json_body();
            if let Err(e) = fields_known(&input, CREATE_TRIGGER, "CreateTriggerInput") {
                return e;
            }
            if !input["triggerConfig"].is_string() {
                return error(400, "InvalidArgument", "triggerConfig is a JSON string");
            }
            let mut state = state.lock().unwrap();
            let trigger = input["triggerName"].as_str().unwrap().to_owned();
            let port = state.port;
            let mut stored = input.clone();
            if input["triggerType"] == "http" {
                stored["httpTrigger"] = json!({
                    "urlInternet": format!("http://127.0.0.1:{port}/http/{name}"),
                    "urlIntranet": format!("http://127.0.0.1:{port}/internal/{name}"),
                });
            }
            state
                .triggers
                .insert(((*name).to_owned(), trigger), stored.clone());
            answer(200, &stored)
        }
        ("UpdateTrigger", "PUT", ["2023-03-30", "functions", name, "triggers", trigger]) => {
            let input = json_body();
            if let Err(e) = fields_known(&input, UPDATE_TRIGGER, "UpdateTriggerInput") {
                return e;
            }
            let mut state = state.lock().unwrap();
            let Some(stored) = state
                .triggers
                .get_mut(&((*name).to_owned(), (*trigger).to_owned()))
            else {
                return error(404, "TriggerNotFound", "not found");
            };
            for (k, v) in input.as_object().unwrap() {
                stored[k] = v.clone();
            }
            let stored = stored.clone();
            answer(200, &stored)
        }
        ("InvokeFunction", "POST", ["2023-03-30", "functions", name, "invocations"]) => {
            invoke(&state, name, body).await
        }
        _ => error(
            404,
            "NotFound",
            &format!("no route for {action} {method} {path}"),
        ),
    }
}

/// Keeps the function, starting a new instance of its code (old ones stop).
fn store(state: &mut State, name: &str, mut body: Value, old_zip: Option<Vec<u8>>) -> Answer {
    let zip = match body["code"]["zipFile"].as_str() {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
        None => old_zip.unwrap_or_default(),
    };
    body.as_object_mut().unwrap().remove("code");
    body["functionName"] = json!(name);
    body["functionArn"] = json!(format!("acs:fc:{REGION}:{ACCOUNT}:functions/{name}"));
    body["codeSize"] = json!(zip.len());
    body["codeChecksum"] = json!(hex(&Sha256::digest(&zip)[..8]));
    let instance = start_instance(&state.dir, name, &zip);
    state.functions.insert(
        name.to_owned(),
        Function {
            body: body.clone(),
            zip,
            instance,
        },
    );
    answer(200, &body)
}

/// Unzips the code and starts its bootstrap as FC does: in its own directory, on
/// FC_CUSTOM_LISTEN_PORT.
fn start_instance(dir: &Path, name: &str, zip: &[u8]) -> Option<Instance> {
    if zip.is_empty() {
        return None;
    }
    let code = dir.join(format!("code-{name}-{}", hex(&Sha256::digest(zip)[..4])));
    let _ = std::fs::remove_dir_all(&code);
    std::fs::create_dir_all(&code).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    archive.extract(&code).unwrap();
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(code.join("bootstrap"))
        .current_dir(&code)
        .env("FC_CUSTOM_LISTEN_PORT", port.to_string())
        .env("FC_FUNCTION_NAME", name)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let collected = Arc::clone(&lines);
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    Some(Instance {
        child,
        port,
        lines,
        _dir: code,
    })
}

/// InvokeFunction: the event to the instance's /invoke; the answer with FC's
/// headers, its log tail base64 in x-fc-log-result.
async fn invoke(state: &Arc<Mutex<State>>, name: &str, event: Bytes) -> Answer {
    let (port, lines) = {
        let state = state.lock().unwrap();
        let Some(function) = state.functions.get(name) else {
            return error(404, "FunctionNotFound", "not found");
        };
        let instance = function.instance.as_ref().unwrap();
        (instance.port, Arc::clone(&instance.lines))
    };
    let id = format!("1-stand-in-{}", hex(&Sha256::digest(&event)[..6]));
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let stream = loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => break stream,
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return error(500, "FunctionNotStarted", &e.to_string()),
        }
    };
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = Request::post("/invoke")
        .header("host", addr.to_string())
        .header("x-fc-request-id", &id)
        .header("x-fc-control-path", "/invoke")
        .header("x-fc-function-name", name)
        .header("content-type", "application/octet-stream")
        .body(Full::new(event))
        .unwrap();
    let response = tokio::time::timeout(LIMIT, sender.send_request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response
        .headers()
        .get("x-fc-status")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("200")
        .to_owned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let end = format!("FC Invoke End RequestId: {id}");
    let waited = Instant::now();
    while !lines.lock().unwrap().iter().any(|l| l.starts_with(&end))
        && waited.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let log: String = lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(&id))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut builder = Response::builder()
        .status(200)
        .header("x-fc-request-id", &id)
        .header(
            "x-fc-log-result",
            base64::engine::general_purpose::STANDARD.encode(log),
        );
    let body = if status == "200" {
        body
    } else {
        builder = builder.header("x-fc-error-type", "UnhandledInvocationError");
        Bytes::from(
            json!({
                "errorMessage": String::from_utf8_lossy(&body),
                "errorType": "UnhandledInvocationError",
            })
            .to_string(),
        )
    };
    builder.body(Full::new(body)).unwrap()
}

// ---- the tests' side

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = profile_dir()
        .join("fc-local-tests")
        .join(format!("deploy-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A code zip of an already-built fc example, as `fc-local package` writes it
/// (stored, not deflated, and stripped of debug info when `strip` is here: 28 MB of
/// debug build through debug-built base64 and JSON on both sides costs a minute).
fn zip_of(example_name: &str, dir: &Path) -> PathBuf {
    let binary = dir.join(example_name);
    std::fs::copy(example(example_name), &binary).unwrap();
    let _ = Command::new("strip")
        .arg(&binary)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let bytes = std::fs::read(&binary).unwrap();
    let path = dir.join(format!("{example_name}.zip"));
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o755);
    zip.start_file("bootstrap", options).unwrap();
    zip.write_all(&bytes).unwrap();
    zip.finish().unwrap();
    path
}

const EVENT_S_YAML: &str = "edition: 3.0.0
name: app
resources:
  failures:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: failures
      description: an event function
      runtime: custom.debian12
      code: ./target/fc/code.zip
      handler: index.handler
      customRuntimeConfig:
        command: [/code/bootstrap]
        port: 9000
      memorySize: 512
      cpu: 0.35
      diskSize: 512
      timeout: 60
      instanceConcurrency: 20
      environmentVariables:
        RUST_LOG: info
      logConfig: auto
";

const HTTP_S_YAML: &str = "edition: 3.0.0
name: app
resources:
  echo:
    component: fc3
    props:
      region: cn-hangzhou
      functionName: echo
      runtime: custom.debian12
      code: ./target/fc/code.zip
      customRuntimeConfig:
        command: [/code/bootstrap]
        port: 9000
      timeout: 30
      triggers:
        - triggerName: http
          triggerType: http
          triggerConfig:
            authType: anonymous
            methods: [GET, POST]
            disableURLInternet: false
";

/// fc-local in `dir`, with no credentials but those given and no aliyun profile.
fn fc_local_in(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = fc_local();
    command
        .current_dir(dir)
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_ID")
        .env_remove("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
        .env("HOME", dir)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

const AK: &[(&str, &str)] = &[
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIstandin"),
    ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "stand-in-secret-value"),
];

fn deploy(dir: &Path, fc: &Fc, zip: &Path, env: &[(&str, &str)]) -> common::Run {
    run(
        fc_local_in(dir, env)
            .args(["deploy", "--endpoint", &fc.url, "--zip"])
            .arg(zip),
        LIMIT,
    )
}

fn invoke_remote(dir: &Path, fc: &Fc, data: &str) -> common::Run {
    run(
        fc_local_in(dir, AK).args(["invoke", "--remote", "--endpoint", &fc.url, "--data", data]),
        LIMIT,
    )
}

#[test]
fn deploy_creates_then_updates_and_invoke_remote_shows_the_result_and_log() {
    let dir = scratch("event");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(&dir, &[("LTAIstandin", "stand-in-secret-value", None)]);

    let created = deploy(&dir, &fc, &zip, AK);
    assert_eq!(created.code, Some(0), "{created}");
    assert!(
        created
            .stderr
            .contains("created function failures in cn-hangzhou"),
        "{created}"
    );
    assert!(
        created.stdout.contains(&format!(
            "functionArn: acs:fc:{REGION}:{ACCOUNT}:functions/failures"
        )),
        "{created}"
    );
    assert!(created.stderr.contains("`logConfig: auto`"), "{created}");
    assert_eq!(
        fc.seen(),
        [
            "GetFunction GET /2023-03-30/functions/failures",
            "CreateFunction POST /2023-03-30/functions"
        ]
    );
    let function = fc.function("failures");
    assert_eq!(function["runtime"], "custom.debian12");
    assert_eq!(function["memorySize"], 512);
    assert_eq!(function["cpu"], 0.35);
    assert_eq!(
        function["environmentVariables"],
        json!({ "RUST_LOG": "info" })
    );
    assert_eq!(function["customRuntimeConfig"]["port"], 9000);
    assert!(
        function.get("logConfig").is_none(),
        "logConfig: auto is not invented"
    );
    assert_eq!(function["codeSize"], std::fs::metadata(&zip).unwrap().len());

    let updated = deploy(&dir, &fc, &zip, AK);
    assert_eq!(updated.code, Some(0), "{updated}");
    assert!(
        updated.stderr.contains("updated function failures"),
        "{updated}"
    );
    assert_eq!(
        fc.seen()[3],
        "UpdateFunction PUT /2023-03-30/functions/failures"
    );

    let ok = invoke_remote(&dir, &fc, r#"{"action": "ok"}"#);
    assert_eq!(ok.code, Some(0), "{ok}");
    assert!(
        ok.stderr.contains("Invoke 1-stand-in-") && ok.stderr.contains("succeeded"),
        "{ok}"
    );
    assert!(
        ok.stderr
            .contains("│ FC Invoke Start RequestId: 1-stand-in-"),
        "the log tail, grouped: {ok}"
    );
    assert!(
        ok.stderr.contains("│ FC Invoke End RequestId: 1-stand-in-"),
        "{ok}"
    );

    let failed = invoke_remote(&dir, &fc, r#"{"action": "fail"}"#);
    assert_eq!(failed.code, Some(1), "{failed}");
    assert!(
        failed.stderr.contains("failed (UnhandledInvocationError)"),
        "{failed}"
    );
    assert!(
        failed.stdout.contains("UnhandledInvocationError"),
        "the error body: {failed}"
    );
    assert!(
        failed.stderr.contains("could not read the configuration")
            || failed.stderr.contains("ERROR"),
        "the function's error log: {failed}"
    );
}

#[test]
fn an_http_function_gets_its_trigger_and_its_url_is_printed() {
    let dir = scratch("http");
    std::fs::write(dir.join("s.yaml"), HTTP_S_YAML).unwrap();
    let zip = zip_of("echo", &dir);
    let fc = Fc::start(&dir, &[("LTAIstandin", "stand-in-secret-value", None)]);
    let first = deploy(&dir, &fc, &zip, AK);
    assert_eq!(first.code, Some(0), "{first}");
    assert!(
        first.stderr.contains("created trigger http (http)"),
        "{first}"
    );
    assert!(
        first
            .stdout
            .contains(&format!("http urlInternet: {}/http/echo", fc.url)),
        "{first}"
    );
    let trigger =
        fc.state.lock().unwrap().triggers[&("echo".to_owned(), "http".to_owned())].clone();
    let config: Value = serde_json::from_str(trigger["triggerConfig"].as_str().unwrap()).unwrap();
    assert_eq!(
        config,
        json!({ "authType": "anonymous", "methods": ["GET", "POST"], "disableURLInternet": false })
    );
    assert_eq!(
        fc.function("echo")["handler"],
        "index.handler",
        "FC's required handler"
    );

    let second = deploy(&dir, &fc, &zip, AK);
    assert_eq!(second.code, Some(0), "{second}");
    assert!(
        second.stderr.contains("updated trigger http (http)"),
        "{second}"
    );
    assert!(second.stdout.contains("http urlInternet:"), "{second}");
}

#[test]
fn an_sts_token_is_sent_and_signed() {
    let dir = scratch("sts");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(
        &dir,
        &[("STS.standin", "sts-secret-value", Some("sts-token-value"))],
    );
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.standin"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "sts-secret-value"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "sts-token-value"),
    ];
    let run = deploy(&dir, &fc, &zip, &env);
    assert_eq!(run.code, Some(0), "{run}");
    let signed = fc.state.lock().unwrap().signed_headers.clone();
    assert!(
        signed.iter().all(|s| s.contains("x-acs-security-token")),
        "{signed:?}"
    );
    assert!(
        !run.stdout.contains("sts-token-value") && !run.stderr.contains("sts-token-value"),
        "{run}"
    );

    // Without the token, the platform refuses, as FC does.
    let without = deploy(&dir, &fc, &zip, &env[..2]);
    assert_eq!(without.code, Some(1), "{without}");
    assert!(without.stderr.contains("InvalidSecurityToken"), "{without}");
}

#[test]
fn the_aliyun_cli_profile_is_used_without_environment_variables() {
    let dir = scratch("profile");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    std::fs::create_dir_all(dir.join(".aliyun")).unwrap();
    std::fs::write(
        dir.join(".aliyun/config.json"),
        r#"{"current": "other", "profiles": [
            {"name": "other", "mode": "AK", "access_key_id": "LTAIother", "access_key_secret": "x"},
            {"name": "work", "mode": "StsToken", "access_key_id": "STS.work",
             "access_key_secret": "work-secret", "sts_token": "work-token"}]}"#,
    )
    .unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(&dir, &[("STS.work", "work-secret", Some("work-token"))]);
    let run = run(
        fc_local_in(&dir, &[])
            .args([
                "deploy",
                "--profile",
                "work",
                "--endpoint",
                &fc.url,
                "--zip",
            ])
            .arg(&zip),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(run.stderr.contains("created function failures"), "{run}");
}

#[test]
fn a_read_answered_503_is_tried_again_and_a_write_is_not() {
    let dir = scratch("retry");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(&dir, &[("LTAIstandin", "stand-in-secret-value", None)]);
    fc.state.lock().unwrap().failing_reads = 2;
    let run = deploy(&dir, &fc, &zip, AK);
    assert_eq!(run.code, Some(0), "{run}");
    let seen = fc.seen();
    assert_eq!(
        seen.iter().filter(|s| s.starts_with("GetFunction")).count(),
        3,
        "two 503s, then the answer: {seen:?}"
    );

    // Three 503s in a row: GetFunction gives up, with FC's error.
    fc.state.lock().unwrap().failing_reads = 3;
    let run = deploy(&dir, &fc, &zip, AK);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("503: ServiceUnavailable"), "{run}");
}

#[test]
fn a_wrong_secret_shows_signature_does_not_match_and_is_not_retried() {
    let dir = scratch("wrong-secret");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(&dir, &[("LTAIstandin", "the-right-secret", None)]);
    let run = deploy(&dir, &fc, &zip, AK);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr
            .contains("GetFunction: FC answered 403: SignatureDoesNotMatch"),
        "{run}"
    );
    assert!(
        run.stderr.contains("RequestId stand-in-request-id"),
        "{run}"
    );
    assert_eq!(
        fc.seen().len(),
        1,
        "an authentication error is not retried: {:?}",
        fc.seen()
    );
    assert!(!run.stderr.contains("stand-in-secret-value"), "{run}");

    let invoked = invoke_remote(&dir, &fc, "{}");
    assert_eq!(invoked.code, Some(1), "{invoked}");
    assert!(
        invoked.stderr.contains("SignatureDoesNotMatch"),
        "{invoked}"
    );
}

#[test]
fn without_credentials_nothing_is_sent_and_the_variables_are_named() {
    let dir = scratch("no-credentials");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let zip = zip_of("failures", &dir);
    let fc = Fc::start(&dir, &[]);
    for run in [
        deploy(&dir, &fc, &zip, &[]),
        invoke_remote_without(&dir, &fc),
    ] {
        assert_eq!(run.code, Some(2), "{run}");
        assert!(
            run.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID")
                && run.stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            "{run}"
        );
    }
    assert!(fc.seen().is_empty(), "{:?}", fc.seen());
}

fn invoke_remote_without(dir: &Path, fc: &Fc) -> common::Run {
    run(
        fc_local_in(dir, &[]).args(["invoke", "--remote", "--endpoint", &fc.url, "--data", "{}"]),
        LIMIT,
    )
}

#[test]
fn dry_run_prints_the_requests_and_sends_none() {
    let dir = scratch("dry-run");
    std::fs::write(dir.join("s.yaml"), HTTP_S_YAML).unwrap();
    let zip = zip_of("echo", &dir);
    let fc = Fc::start(&dir, &[]);
    let run = run(
        fc_local_in(&dir, AK)
            .args(["deploy", "--dry-run", "--endpoint", &fc.url, "--zip"])
            .arg(&zip),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    for expected in [
        "GetFunction GET ",
        "/2023-03-30/functions/echo",
        "CreateFunction POST ",
        "UpdateFunction PUT ",
        "CreateTrigger POST ",
        "UpdateTrigger PUT ",
        "\"triggerConfig\": \"{",
        "<base64 of ",
    ] {
        assert!(run.stdout.contains(expected), "{expected}: {run}");
    }
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("stand-in-secret-value"), "{run}");
    // The zip's bytes (an ELF header, base64 `f0VMR`) are not printed.
    let mut head = [0u8; 64];
    std::fs::File::open(dir.join("echo"))
        .unwrap()
        .read_exact(&mut head)
        .unwrap();
    assert!(
        !all.contains(&base64::engine::general_purpose::STANDARD.encode(head)[..40]),
        "{run}"
    );
    assert!(fc.seen().is_empty(), "{:?}", fc.seen());
}

#[test]
fn a_zip_without_an_executable_bootstrap_is_refused_before_sending() {
    let dir = scratch("bad-zip");
    std::fs::write(dir.join("s.yaml"), EVENT_S_YAML).unwrap();
    let path = dir.join("bad.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    zip.start_file(
        "bootstrap",
        zip::write::SimpleFileOptions::default().unix_permissions(0o644),
    )
    .unwrap();
    zip.write_all(b"#!/bin/sh\n").unwrap();
    zip.finish().unwrap();
    let fc = Fc::start(&dir, &[("LTAIstandin", "stand-in-secret-value", None)]);
    let run = deploy(&dir, &fc, &path, AK);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("`bootstrap` is not executable"),
        "{run}"
    );
    assert!(fc.seen().is_empty(), "{:?}", fc.seen());
}
