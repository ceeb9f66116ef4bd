//! Which kind of request FC sent (by `x-fc-control-path`, else by method and path),
//! and what fc does for each kind: the one place that answers "which markers, is it
//! an invocation, whose status counts".

use http::{HeaderMap, Method};

use crate::grpc_status;
use crate::header::{self, text};
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
}

/// What fc does around one kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// The marker lines printed around the request, if any.
    pub(crate) marker: Option<Marker>,
    /// An invocation of the function: the initializer runs first if it has not yet
    /// succeeded, and the function's timeout applies.
    pub(crate) invocation: bool,
    /// The request goes to the HTTP app as it came (the context reads a copy of its
    /// headers), and the app's own status goes to the client. Otherwise the headers
    /// (all FC's) move into the context, and fc answers 200 on success, 404 on
    /// failure.
    pub(crate) forwarded: bool,
    /// fc's own failures (a panic, the deadline, …) answer as gRPC statuses: HTTP
    /// 200 with `grpc-status` and `grpc-message`, instead of FC's JSON 404.
    pub(crate) grpc: bool,
}

impl Kind {
    /// What fc does around this kind of request.
    pub(crate) const fn policy(self) -> Policy {
        match self {
            Kind::Invoke => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                forwarded: false,
                grpc: false,
            },
            Kind::Http => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                forwarded: true,
                grpc: false,
            },
            Kind::Grpc => Policy {
                marker: Some(Marker::Invoke),
                invocation: true,
                forwarded: true,
                grpc: true,
            },
            // `/initialize` prints its markers around the whole request.
            Kind::Initialize => Policy {
                marker: Some(Marker::Initialize),
                invocation: false,
                forwarded: false,
                grpc: false,
            },
            // Hooks are not invocations, but FC's runtimes frame them with their own
            // markers (`FC PreStop Start RequestId: …`).
            Kind::PreStop => Policy {
                marker: Some(Marker::PreStop),
                invocation: false,
                forwarded: false,
                grpc: false,
            },
            Kind::PreFreeze => Policy {
                marker: Some(Marker::PreFreeze),
                invocation: false,
                forwarded: false,
                grpc: false,
            },
        }
    }
}

/// Classifies a request. `x-fc-control-path` decides when FC sets it; lifecycle hooks
/// carry no documented value and go by method and path. Without the header (FC 3.0's
/// local emulator, a developer's curl), `POST /invoke` is an event and
/// `POST /initialize` the initializer; anything else belongs to the HTTP function,
/// as a gRPC call when its content type says so.
pub(crate) fn classify(method: &Method, path: &str, headers: &HeaderMap) -> Kind {
    let http = || {
        if grpc_status::is_grpc(headers) {
            Kind::Grpc
        } else {
            Kind::Http
        }
    };
    match text(headers, header::CONTROL_PATH) {
        Some("/invoke") => return Kind::Invoke,
        Some("/initialize") => return Kind::Initialize,
        Some("/http-invoke") => return http(),
        _ => {}
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
                classify(&method, path, &headers),
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
            classify(&Method::POST, "/helloworld.Greeter/SayHello", &headers)
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
