//! `fc-local deploy` and `fc-local invoke --remote` against a stand-in of FC 3.0's
//! OpenAPI started here on 127.0.0.1:0. The stand-in verifies every request's
//! ACS3-HMAC-SHA256 signature with its own code (not fc-local's signer, whose
//! correctness Alibaba's published example establishes) and answers 403
//! `SignatureDoesNotMatch` as FC does; it checks each body against the fields of
//! the SDK's CreateFunctionInput / UpdateFunctionInput / CreateTriggerInput /
//! UpdateTriggerInput; keeps functions and triggers in memory; and runs the
//! deployed zip's `bootstrap` (FC_CUSTOM_LISTEN_PORT) to answer InvokeFunction with
//! its log tail. Nothing leaves the loopback interface.
//!
//! The stand-in is [`stand_in`], its checks of each request [`checks`]; this file is
//! the tests.

#![allow(clippy::unwrap_used, reason = "test code")]
#![allow(
    clippy::result_large_err,
    reason = "the stand-in answers its refusals as they are"
)]

mod checks;
mod stand_in;

use crate::common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use common::{example, fc_local, profile_dir, run};
use stand_in::{ACCOUNT, Fc, REGION};

const LIMIT: Duration = Duration::from_secs(120);

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
