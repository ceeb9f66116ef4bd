//! Which kind of request FC sent (by `x-fc-control-path`, else by method and path),
//! and what fc does for each kind: the one place that answers "which markers, is it
//! an invocation, whose status counts".

#[cfg(test)]
use http::HeaderMap;
use http::Method;

#[cfg(test)]
use crate::grpc_status;
#[cfg(test)]
use crate::header::{self, Lookup};
use crate::log::marker::Marker;

/// The kinds of request FC sends a custom runtime (contract §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `POST /invoke`: an event function invocation.
    Invoke,
    /// `POST /initialize`: the instance initializer.
    Initialize,
    /// An HTTP function invocation: the original request, forwarded whole.
    Http,
    /// A gRPC call to the HTTP function (`content-type: application/grpc…`, one
    /// HTTP/2 stream): an HTTP invocation whose failures are gRPC statuses.
    Grpc,
    /// `GET /pre-stop`: the instance is about to stop.
    PreStop,
    /// `GET /pre-freeze`: the instance is about to be frozen (FC 2.0).
    PreFreeze,
    /// `GET <path>` of the health check configured with `App::health_check`.
    Health,
}

/// What fc does around one kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// The marker lines printed around the request, if any.
    pub(crate) marker: Option<Marker>,
    /// An invocation of the function: the initializer runs first if it has not yet
    /// succeeded, and the function's timeout applies.
    pub(crate) invocation: bool,
    /// The request keeps its headers, because it goes to the HTTP app as it came (the
    /// context reads a copy). Otherwise they (all FC's) move into the context.
    pub(crate) keeps_headers: bool,
    /// The response's own status goes to the client, with `x-fc-status: 200` unless
    /// fc failed it. Otherwise fc answers 200 on success and 404 on failure.
    pub(crate) own_status: bool,
    /// fc's own failures (a panic, the deadline, …) answer as gRPC statuses: HTTP
    /// 200 with `grpc-status` and `grpc-message`, instead of FC's JSON 404.
    pub(crate) grpc: bool,
    /// With `otel`: finished spans are exported after the request (within its
    /// deadline). Not after FC's health check, whose timeout is 1 s, nor the
    /// pre-freeze hook, which must not wait for a collector.
    pub(crate) exports_traces: bool,
}

impl Kind {
    /// What fc does around this kind of request.
    pub(crate) const fn policy(self) -> Policy {
        match self {
            Kind::Invoke => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                keeps_headers: false,
                own_status: false,
                grpc: false,
                exports_traces: true,
            },
            Kind::Http => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                keeps_headers: true,
                own_status: true,
                grpc: false,
                exports_traces: true,
            },
            Kind::Grpc => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                keeps_headers: true,
                own_status: true,
                grpc: true,
                exports_traces: true,
            },
            // `/initialize` prints its markers around the whole request.
            Kind::Initialize => Policy {
                marker: Some(Marker::Initialize),
                invocation: false,
                keeps_headers: false,
                own_status: false,
                grpc: false,
                exports_traces: true,
            },
            // Hooks are not invocations, but FC's runtimes frame them with their own
            // markers (`FC PreStop Start RequestId: …`).
            Kind::PreStop => Policy {
                marker: Some(Marker::PreStop),
                invocation: false,
                keeps_headers: false,
                own_status: false,
                grpc: false,
                exports_traces: true,
            },
            Kind::PreFreeze => Policy {
                marker: Some(Marker::PreFreeze),
                invocation: false,
                keeps_headers: false,
                own_status: false,
                grpc: false,
                exports_traces: false,
            },
            // Not an invocation either: no markers, answered even while the initializer
            // runs, and its 200 or 503 is what FC reads.
            Kind::Health => Policy {
                marker: None,
                invocation: false,
                keeps_headers: false,
                own_status: true,
                grpc: false,
                exports_traces: false,
            },
        }
    }
}

/// What `x-fc-control-path` says: the values FC sends, anything else, or nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Control {
    Invoke,
    Initialize,
    HttpInvoke,
    Other,
    Absent,
}

impl Control {
    /// The header's value as text (missing or empty: absent).
    pub(crate) fn of(value: Option<&str>) -> Self {
        match value {
            Some("/invoke") => Control::Invoke,
            Some("/initialize") => Control::Initialize,
            Some("/http-invoke") => Control::HttpInvoke,
            Some(_) => Control::Other,
            None => Control::Absent,
        }
    }
}

/// [`classify_by`], reading `x-fc-control-path` and the content type itself (for
/// tests).
#[cfg(test)]
pub(crate) fn classify(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    health: Option<&str>,
) -> Kind {
    classify_by(
        method,
        path,
        Control::of(headers.text(&header::CONTROL_PATH)),
        grpc_status::is_grpc(headers),
        health,
    )
}

/// Classifies a request. `x-fc-control-path` decides when FC sets it; lifecycle hooks
/// carry no documented value and go by method and path. Without the header (FC 3.0's
/// local emulator, a developer's curl), `POST /invoke` is an event and
/// `POST /initialize` the initializer; anything else belongs to the HTTP function,
/// as a gRPC call when its content type says so. A `GET` (or `HEAD`) of `health`, the
/// configured health-check path, is the health check unless the header says it is an
/// event or the initializer.
pub(crate) fn classify_by(
    method: &Method,
    path: &str,
    control: Control,
    grpc: bool,
    health: Option<&str>,
) -> Kind {
    let http = || if grpc { Kind::Grpc } else { Kind::Http };
    match control {
        Control::Invoke => return Kind::Invoke,
        Control::Initialize => return Kind::Initialize,
        _ => {}
    }
    if health == Some(path) && (method == Method::GET || method == Method::HEAD) {
        return Kind::Health;
    }
    if control == Control::HttpInvoke {
        return http();
    }
    match (method, path) {
        (&Method::POST, "/invoke") => Kind::Invoke,
        (&Method::POST, "/initialize") => Kind::Initialize,
        (&Method::GET, "/pre-stop") => Kind::PreStop,
        (&Method::GET, "/pre-freeze") => Kind::PreFreeze,
        _ => http(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_health_path_is_the_health_check_when_configured() {
        let health = Some("/healthz");
        let with = |control: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = control {
                headers.insert(header::CONTROL_PATH, value.parse().unwrap());
            }
            headers
        };
        let cases = [
            (Method::GET, "/healthz", None, health, Kind::Health),
            (Method::HEAD, "/healthz", None, health, Kind::Health),
            (
                Method::GET,
                "/healthz",
                Some("/http-invoke"),
                health,
                Kind::Health,
            ),
            // The header's event and initializer win; other methods and paths are
            // the app's.
            (
                Method::GET,
                "/healthz",
                Some("/invoke"),
                health,
                Kind::Invoke,
            ),
            (Method::POST, "/healthz", None, health, Kind::Http),
            (Method::GET, "/healthz/x", None, health, Kind::Http),
            // Not configured: the app's.
            (Method::GET, "/healthz", None, None, Kind::Http),
        ];
        for (method, path, control, health, want) in cases {
            assert_eq!(
                classify(&method, path, &with(control), health),
                want,
                "{method} {path} {control:?} {health:?}"
            );
        }
    }

    #[test]
    fn table() {
        let cases: [(&str, &str, Option<&str>, Kind); 16] = [
            ("POST", "/invoke", Some("/invoke"), Kind::Invoke),
            ("POST", "/initialize", Some("/initialize"), Kind::Initialize),
            ("GET", "/users/7", Some("/http-invoke"), Kind::Http),
            // An HTTP function serving its own /invoke and /initialize paths.
            ("POST", "/invoke", Some("/http-invoke"), Kind::Http),
            ("POST", "/initialize", Some("/http-invoke"), Kind::Http),
            // The header decides, not the path.
            ("POST", "/", Some("/invoke"), Kind::Invoke),
            // No header: method and path.
            ("POST", "/invoke", None, Kind::Invoke),
            ("POST", "/initialize", None, Kind::Initialize),
            ("GET", "/invoke", None, Kind::Http),
            ("POST", "/invoke/", None, Kind::Http),
            ("GET", "/", None, Kind::Http),
            ("GET", "/pre-stop", None, Kind::PreStop),
            ("GET", "/pre-freeze", None, Kind::PreFreeze),
            // Empty or unknown header values count as no header.
            ("POST", "/invoke", Some(""), Kind::Invoke),
            ("GET", "/pre-stop", Some("/pre-stop"), Kind::PreStop),
            ("GET", "/x", Some("/something-new"), Kind::Http),
        ];
        for (method, path, control, want) in cases {
            let mut headers = HeaderMap::new();
            if let Some(value) = control {
                headers.insert(header::CONTROL_PATH, value.parse().unwrap());
            }
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(
                classify(&method, path, &headers, None),
                want,
                "{method} {path} {control:?}"
            );
        }
    }

    #[test]
    fn grpc_calls() {
        let grpc = |control: Option<&str>, content_type: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", content_type.parse().unwrap());
            if let Some(value) = control {
                headers.insert(header::CONTROL_PATH, value.parse().unwrap());
            }
            classify(
                &Method::POST,
                "/helloworld.Greeter/SayHello",
                &headers,
                None,
            )
        };
        assert_eq!(grpc(None, "application/grpc"), Kind::Grpc);
        assert_eq!(
            grpc(Some("/http-invoke"), "application/grpc+proto"),
            Kind::Grpc
        );
        assert_eq!(grpc(None, "application/grpc-web"), Kind::Http);
        assert_eq!(grpc(None, "application/json"), Kind::Http);
        // FC's control path still decides first.
        assert_eq!(grpc(Some("/invoke"), "application/grpc"), Kind::Invoke);
    }
}
