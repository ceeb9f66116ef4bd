//! s.yaml-aware emulation: the function sees the timeout, memory, name, region and
//! environment its s.yaml configures; hooks are called as configured; flags win.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{example, fc_local, python_fixture, run};

const LIMIT: Duration = Duration::from_secs(60);

/// A fresh directory holding `s.yaml` with `props` under one fc3 resource.
fn project(name: &str, props: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fc-local-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let text = format!(
        "edition: 3.0.0\nname: app\nresources:\n  web:\n    component: fc3\n    props:\n{props}"
    );
    std::fs::write(dir.join("s.yaml"), text).expect("writing s.yaml");
    dir
}

fn describe(dir: &Path, flags: &[&str], conformant: &Path) -> (serde_json::Value, common::Run) {
    let run = run(
        fc_local()
            .current_dir(dir)
            .arg("invoke")
            .args(flags)
            .args(["--data", r#"{"describe": true}"#, "--", "python3"])
            .arg(conformant),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    let seen = serde_json::from_str(&run.stdout).expect("JSON");
    (seen, run)
}

#[test]
fn the_function_sees_its_s_yaml_timeout_memory_and_environment() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let dir = project(
        "sees",
        "      region: cn-beijing\n      functionName: configured-fn\n      runtime: custom.debian12\n      memorySize: 1024\n      timeout: 7\n      environmentVariables:\n        APP_GREETING: hello from s.yaml\n        APP_RETRIES: 3\n",
    );
    // Found in the current directory.
    let (seen, run) = describe(&dir, &[], &conformant);
    let (env, headers) = (&seen["env"], &seen["headers"]);
    assert_eq!(headers["x-fc-function-timeout"], "7", "{run}");
    assert_eq!(headers["x-fc-function-memory"], "1024", "{run}");
    assert_eq!(headers["x-fc-function-name"], "configured-fn", "{run}");
    assert_eq!(headers["x-fc-region"], "cn-beijing", "{run}");
    assert_eq!(env["FC_FUNCTION_MEMORY_SIZE"], "1024", "{run}");
    assert_eq!(env["APP_GREETING"], "hello from s.yaml", "{run}");
    assert_eq!(env["APP_RETRIES"], "3", "{run}");
    assert!(
        run.stderr
            .contains("fc-local: emulating s.yaml (resource web)"),
        "{run}"
    );
    // No initializer and no preStop configured: FC sends neither.
    assert!(!run.stderr.contains("FC Initialize Start"), "{run}");
    assert!(
        run.stderr
            .contains("fc-local: stopped: no preStop configured"),
        "{run}"
    );

    // Flags win over s.yaml; --config names the file from anywhere.
    let config = dir.join("s.yaml");
    let (seen, run) = describe(
        Path::new("/"),
        &[
            "--config",
            config.to_str().unwrap(),
            "--timeout",
            "9",
            "-e",
            "APP_GREETING=flag",
        ],
        &conformant,
    );
    assert_eq!(seen["headers"]["x-fc-function-timeout"], "9", "{run}");
    assert_eq!(seen["headers"]["x-fc-function-memory"], "1024", "{run}");
    assert_eq!(seen["env"]["APP_GREETING"], "flag", "{run}");

    // --no-config: fc-local's own defaults.
    let (seen, run) = describe(&dir, &["--no-config"], &conformant);
    assert_eq!(seen["headers"]["x-fc-function-timeout"], "60", "{run}");
    assert!(seen["env"].get("APP_GREETING").is_none(), "{run}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configured_hooks_and_health_check_are_called() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let dir = project(
        "hooks",
        "      functionName: hooks\n      customRuntimeConfig:\n        command: ['/code/bootstrap']\n        healthCheckConfig:\n          httpGetUrl: /pre-freeze\n          timeoutSeconds: 2\n      instanceLifecycleConfig:\n        initializer: { handler: 'true', timeout: 20 }\n        preStop: { handler: 'true', timeout: 10 }\n",
    );
    let (_, run) = describe(&dir, &[], &conformant);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("Initialize ") && l.contains(" succeeded")),
        "{run}"
    );
    assert!(
        run.stderr.contains("│ FC Initialize Start RequestId: 1-"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("fc-local: health check: GET /pre-freeze answered 200"),
        "{run}"
    );
    assert!(
        run.stderr.contains("│ FC PreStop Start RequestId: 1-"),
        "{run}"
    );
    assert!(
        run.stderr.contains("fc-local: stopped: /pre-stop 200"),
        "{run}"
    );
    assert!(!run.stderr.contains("warning"), "{run}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_initializer_in_code_but_not_in_s_yaml_is_warned_about() {
    let orders = example("orders");
    let dir = project("warn", "      functionName: orders\n      timeout: 9\n");
    let run = run(
        fc_local()
            .current_dir(&dir)
            .args(["invoke", "--data", r#"{"id": 4, "qty": 3}"#, "--"])
            .arg(&orders),
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stderr.contains(
            "fc-local: warning: the function ran an initializer (`FC Initialize Start` in its \
             log) but s.yaml (resource web) configures none"
        ),
        "{run}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_sends_no_more_than_instance_concurrency_at_once() {
    let Some(conformant) = python_fixture("conformant.py") else {
        return;
    };
    let dir = project(
        "concurrency",
        "      functionName: one-at-a-time\n      instanceConcurrency: 1\n",
    );
    let script = conformant.to_str().unwrap();
    let serving = common::Serving::start_in("serve", &["--", "python3", script], &dir);
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let url = serving.url.clone();
            std::thread::spawn(move || common::http("POST", &url, r#"{"sleep_ms": 150}"#).0)
        })
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 200);
    }
    let (status, _, body) = common::http("POST", &serving.url, r#"{"describe": true}"#);
    assert_eq!(status, 200, "{body}");
    let seen: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(seen["most_in_flight"], 1, "{body}\n{}", serving.stderr());
    let (code, stderr) = serving.interrupt();
    assert_eq!(code, Some(0), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
