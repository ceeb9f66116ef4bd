//! `fc-local invoke`: start a function, send one event, print the result and that
//! invocation's log, stop it, exit non-zero on failure.

use crate::common;

use std::time::Duration;

use common::{example, fc_local, python_fixture, run, run_with_input};

const LIMIT: Duration = Duration::from_secs(60);

/// The lines of a group printed under a heading starting `heading`.
fn group<'a>(stderr: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = stderr.lines().skip_while(|l| !l.starts_with(heading));
    let mut group = Vec::new();
    if let Some(first) = lines.next() {
        group.push(first);
        group.extend(lines.take_while(|l| l.starts_with("│ ")));
    }
    group
}

#[test]
fn orders_with_its_initializer_succeeds() {
    let orders = example("orders");
    let run = run(
        fc_local()
            .args(["invoke", "--initializer", "--function-name", "orders-fn"])
            .args(["--data", r#"{"id": 4, "qty": 3}"#, "--"])
            .arg(&orders),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    // stdout is the result body alone.
    let receipt: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON body");
    assert_eq!(receipt["total"], 21, "{run}");
    let id = receipt["request_id"].as_str().unwrap();
    assert_eq!(id.len(), "1-67adb489-15d49184-2d4fa002fa2b".len(), "{id}");

    let init = group(&run.stderr, "Initialize ");
    assert!(
        init[0].contains(" succeeded · 200 (x-fc-status: 200)"),
        "{run}"
    );
    assert!(
        init[1].starts_with("│ FC Initialize Start RequestId: 1-"),
        "{run}"
    );
    assert!(
        init[2].ends_with(" [INFO] loading prices function=\"orders-fn\""),
        "{run}"
    );
    assert!(
        init[3].starts_with("│ FC Initialize End RequestId: "),
        "{run}"
    );

    let invoke = group(&run.stderr, "Invoke ");
    assert_eq!(
        invoke,
        [
            format!(
                "Invoke {id} succeeded · 200 (x-fc-status: 200) · {}",
                invoke[0].rsplit("· ").next().unwrap()
            )
            .as_str(),
            format!("│ FC Invoke Start RequestId: {id}").as_str(),
            format!("│ FC Invoke End RequestId: {id}").as_str(),
        ],
        "{run}"
    );
    assert!(
        run.stderr
            .contains("fc-local: stopped: /pre-stop 200, exited 0"),
        "{run}"
    );
    assert!(!run.stderr.contains('\x1b'), "colour on a pipe: {run}");
}

#[test]
fn a_failing_event_exits_non_zero_with_the_error_body() {
    let failures = example("failures");
    let run = run(
        fc_local()
            .args(["invoke", "--data", r#"{"action": "fail"}"#, "--"])
            .arg(&failures),
        LIMIT,
    );
    assert_eq!(run.code, Some(1), "{run}");
    let error: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON error body");
    assert_eq!(
        error["errorMessage"], "could not read the configuration",
        "{run}"
    );
    let invoke = group(&run.stderr, "Invoke ");
    assert!(
        invoke[0].contains(" failed · 404 (x-fc-status: 404)"),
        "{run}"
    );
    assert!(
        invoke
            .iter()
            .any(|l| l.contains(" [ERROR] caused by: No such file")),
        "the error's log lines are in the group: {run}"
    );
    assert!(
        invoke
            .last()
            .unwrap()
            .starts_with("│ FC Invoke End RequestId: 1-"),
        "{run}"
    );
}

#[test]
fn the_event_comes_from_stdin_and_the_function_sees_fcs_environment() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let run = run_with_input(
        fc_local()
            .args([
                "invoke",
                "--event",
                "-",
                "--timeout",
                "7",
                "--memory",
                "256",
            ])
            .args(["--region", "cn-shanghai", "-e", "EXTRA=1", "--", "python3"])
            .arg(&conformant),
        Some(br#"{"describe": true}"#),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    let seen: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let (env, headers) = (&seen["env"], &seen["headers"]);
    assert_eq!(env["FC_CUSTOM_LISTEN_PORT"], env["FC_SERVER_PORT"], "{run}");
    assert_eq!(env["FC_FUNCTION_NAME"], "python3", "{run}");
    assert_eq!(env["FC_REGION"], "cn-shanghai", "{run}");
    assert_eq!(env["FC_FUNCTION_MEMORY_SIZE"], "256", "{run}");
    for name in [
        "FC_ACCOUNT_ID",
        "FC_INSTANCE_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
    ] {
        assert!(
            env[name].as_str().is_some_and(|v| !v.is_empty()),
            "{name}: {run}"
        );
    }
    assert!(
        env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
            .as_str()
            .unwrap()
            .contains("fake"),
        "{run}"
    );
    assert_eq!(headers["x-fc-control-path"], "/invoke", "{run}");
    assert_eq!(headers["x-fc-function-timeout"], "7", "{run}");
    assert_eq!(headers["x-fc-function-memory"], "256", "{run}");
    assert_eq!(headers["x-fc-region"], "cn-shanghai", "{run}");
    // Present but empty, as real FC 3.0 traffic has them.
    assert_eq!(headers["x-fc-service-logproject"], "", "{run}");
    for name in [
        "x-fc-access-key-id",
        "x-fc-access-key-secret",
        "x-fc-security-token",
        "x-fc-account-id",
        "x-fc-function-name",
    ] {
        assert!(
            headers[name].as_str().is_some_and(|v| !v.is_empty()),
            "{name}: {run}"
        );
    }
    let id = headers["x-fc-request-id"].as_str().unwrap();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [1, 8, 8, 12], "{id}");
}

#[test]
fn a_function_that_does_not_start_exits_2_with_its_output() {
    let run = run(
        fc_local()
            .args(["invoke", "--start-timeout", "5", "--"])
            .args(["sh", "-c", "echo 'missing configuration' >&2; exit 4"]),
        LIMIT,
    );
    assert_eq!(run.code, Some(2), "{run}");
    assert!(
        run.stderr.contains("exited 4 before listening on port"),
        "{run}"
    );
    assert!(
        run.stderr.contains("stderr| missing configuration"),
        "{run}"
    );
    assert!(
        !run.stderr.contains("/pre-stop"),
        "no pre-stop for what never started: {run}"
    );

    let missing = common::run(
        fc_local().args(["invoke", "--", "/no/such/function"]),
        LIMIT,
    );
    assert_eq!(missing.code, Some(2), "{missing}");
    assert!(
        missing.stderr.contains("cannot start `/no/such/function`"),
        "{missing}"
    );
}

#[test]
fn a_pre_stop_hooks_log_is_grouped_under_its_markers() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let run = run(
        fc_local()
            .args(["invoke", "--data", r#"{"hello": 1}"#, "--", "python3"])
            .arg(&conformant),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    let pre_stop = group(&run.stderr, "PreStop ");
    assert_eq!(pre_stop.len(), 4, "{run}");
    let id = pre_stop[0]
        .strip_prefix("PreStop ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap();
    assert!(
        pre_stop[0].contains(" succeeded · 200 (x-fc-status: 200)"),
        "{run}"
    );
    assert_eq!(
        pre_stop[1],
        format!("│ FC PreStop Start RequestId: {id}"),
        "{run}"
    );
    assert!(
        pre_stop[2].ends_with(&format!("{id} [INFO] draining before pre-stop")),
        "{run}"
    );
    assert_eq!(
        pre_stop[3],
        format!("│ FC PreStop End RequestId: {id}"),
        "{run}"
    );
    // The summary line still follows the group.
    assert!(
        run.stderr
            .contains("fc-local: stopped: /pre-stop 200, exited 0"),
        "{run}"
    );
}

#[test]
fn rust_log_format_json_writes_json_lines_and_keeps_the_markers() {
    let orders = example("orders");
    let run = run(
        fc_local()
            .env("RUST_LOG_FORMAT", "json")
            .args(["invoke", "--initializer", "--function-name", "orders-fn"])
            .args(["--data", r#"{"id": 4, "qty": 3}"#, "--"])
            .arg(&orders),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    let init = group(&run.stderr, "Initialize ");
    let id = init[0].split(' ').nth(1).unwrap();
    assert_eq!(
        init[1],
        format!("│ FC Initialize Start RequestId: {id}"),
        "{run}"
    );
    let line: serde_json::Value =
        serde_json::from_str(init[2].strip_prefix("│ ").unwrap()).expect("a JSON line");
    assert_eq!(line["requestId"], id, "{run}");
    assert_eq!(line["level"], "INFO", "{run}");
    assert_eq!(line["message"], "loading prices", "{run}");
    assert_eq!(line["function"], "orders-fn", "{run}");
    assert!(line["time"].as_str().unwrap().ends_with('Z'), "{run}");
    assert_eq!(
        init[3],
        format!("│ FC Initialize End RequestId: {id}"),
        "{run}"
    );
    // The instance's own lines, outside any invocation, are JSON too.
    let startup = run
        .stderr
        .lines()
        .find(|l| l.contains("listening on"))
        .expect("the startup line");
    let startup: serde_json::Value =
        serde_json::from_str(startup.trim_start()).expect("a JSON startup line");
    assert!(startup.get("requestId").is_none(), "{run}");
}
