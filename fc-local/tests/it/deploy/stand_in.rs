//! The stand-in of FC 3.0's OpenAPI the deploy tests talk to, on 127.0.0.1:0: it
//! checks each request ([`super::checks`]: the signature, the body's fields), keeps
//! functions and triggers in memory, and runs the deployed zip's `bootstrap`
//! (FC_CUSTOM_LISTEN_PORT) to answer InvokeFunction with its log tail.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::LIMIT;
use super::checks::{
    CREATE_FUNCTION, CREATE_ONLY, CREATE_TRIGGER, UPDATE_TRIGGER, fields_known, hex, verify,
};

/// The region the stand-in serves.
pub(super) const REGION: &str = "cn-hangzhou";
/// The account in the ARNs it gives.
pub(super) const ACCOUNT: &str = "1234567890123456";

/// An AccessKey the stand-in knows: its secret and, for STS, its token.
#[derive(Clone)]
pub(super) struct Key {
    pub(super) secret: String,
    pub(super) token: Option<String>,
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
pub(super) struct State {
    pub(super) keys: HashMap<String, Key>,
    functions: HashMap<String, Function>,
    pub(super) triggers: HashMap<(String, String), Value>,
    /// `action method path` of every request, signed or not.
    seen: Vec<String>,
    /// Signed header lists seen, for the STS check.
    pub(super) signed_headers: Vec<String>,
    /// GetFunction calls still to answer 503, as an overloaded FC would.
    pub(super) failing_reads: u32,
    port: u16,
    dir: PathBuf,
}

/// The stand-in, serving on its own thread and runtime.
pub(super) struct Fc {
    pub(super) url: String,
    pub(super) state: Arc<Mutex<State>>,
}

/// The stand-in's server thread lives as long as the test process, so its state never
/// drops by itself: the test's `Fc` stops the instances it started when the test ends,
/// or their bootstraps would outlive the test run.
impl Drop for Fc {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.functions.clear();
    }
}

impl Fc {
    pub(super) fn start(dir: &Path, keys: &[(&str, &str, Option<&str>)]) -> Fc {
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

    pub(super) fn seen(&self) -> Vec<String> {
        self.state.lock().unwrap().seen.clone()
    }

    pub(super) fn function(&self, name: &str) -> Value {
        self.state.lock().unwrap().functions[name].body.clone()
    }
}

pub(super) type Answer = Response<Full<Bytes>>;

pub(super) fn answer(status: u16, body: &Value) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-acs-request-id", "stand-in-request-id")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

pub(super) fn error(status: u16, code: &str, message: &str) -> Answer {
    answer(
        status,
        &json!({ "Code": code, "Message": message, "RequestId": "stand-in-request-id" }),
    )
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
