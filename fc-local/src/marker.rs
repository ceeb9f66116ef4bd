//! FC's marker lines, the one place their text is written and read:
//! `FC <Kind> Start RequestId: <id>` and `FC <Kind> End RequestId: <id>` (contract §7;
//! the hook markers §11), where an End line may carry what FC's own helpers append
//! (`, Error: Unhandled function error`).

/// What a request is, as its marker lines name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Invoke,
    Initialize,
    /// `GET /pre-stop`.
    PreStop,
    /// `GET /pre-freeze` (FC 2.0).
    PreFreeze,
}

/// Which of a request's two marker lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    Start,
    End,
}

impl Kind {
    /// Every kind, for reading marker lines back.
    pub(crate) const ALL: [Kind; 4] = [
        Kind::Invoke,
        Kind::Initialize,
        Kind::PreStop,
        Kind::PreFreeze,
    ];

    /// The word in the marker line.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Invoke => "Invoke",
            Kind::Initialize => "Initialize",
            Kind::PreStop => "PreStop",
            Kind::PreFreeze => "PreFreeze",
        }
    }

    /// Whether this is a lifecycle hook (succeeds with any 2xx) rather than an
    /// invocation (judged by `x-fc-status`).
    pub(crate) fn is_hook(self) -> bool {
        matches!(self, Kind::PreStop | Kind::PreFreeze)
    }

    /// `FC Invoke Start RequestId: <id>`.
    pub(crate) fn start(self, id: &str) -> String {
        Marker::new(self, Edge::Start).line(id)
    }

    /// `FC Invoke End RequestId: <id>`.
    pub(crate) fn end(self, id: &str) -> String {
        Marker::new(self, Edge::End).line(id)
    }
}

/// One of the marker lines, without its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Marker {
    pub(crate) kind: Kind,
    pub(crate) edge: Edge,
}

impl Marker {
    pub(crate) fn new(kind: Kind, edge: Edge) -> Self {
        Self { kind, edge }
    }

    /// `FC Invoke Start RequestId: `: the line up to its id.
    fn prefix(self) -> String {
        let edge = match self.edge {
            Edge::Start => "Start",
            Edge::End => "End",
        };
        format!("FC {} {edge} RequestId: ", self.kind.word())
    }

    /// The whole line for `id`.
    pub(crate) fn line(self, id: &str) -> String {
        format!("{}{id}", self.prefix())
    }

    /// Reads a marker line back: which marker, and the request id it carries.
    pub(crate) fn parse(text: &str) -> Option<(Marker, &str)> {
        let rest = text.strip_prefix("FC ")?;
        let (word, rest) = rest.split_once(' ')?;
        let kind = Kind::ALL.into_iter().find(|k| k.word() == word)?;
        let (edge, rest) = if let Some(rest) = rest.strip_prefix("Start RequestId: ") {
            (Edge::Start, rest)
        } else {
            (Edge::End, rest.strip_prefix("End RequestId: ")?)
        };
        let id = rest.split(',').next().unwrap_or(rest).trim();
        Some((Marker::new(kind, edge), id))
    }
}

/// Whether `text` is the marker line `line`, allowing what FC's own helpers append
/// after an End marker (`, Error: Unhandled function error`).
pub(crate) fn is(text: &str, line: &str) -> bool {
    text.strip_prefix(line)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(','))
}

/// Whether `text` is any marker line (for colouring).
pub(crate) fn is_any(text: &str) -> bool {
    Marker::parse(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_exactly_or_with_fcs_error_suffix() {
        let end = Kind::Invoke.end("1-a");
        assert!(is("FC Invoke End RequestId: 1-a", &end));
        assert!(is(
            "FC Invoke End RequestId: 1-a, Error: Unhandled function error",
            &end
        ));
        assert!(!is("FC Invoke End RequestId: 1-ab", &end));
        assert!(!is("x FC Invoke End RequestId: 1-a", &end));
    }

    #[test]
    fn every_kind_reads_back_what_it_writes() {
        for kind in Kind::ALL {
            for edge in [Edge::Start, Edge::End] {
                let marker = Marker::new(kind, edge);
                assert_eq!(Marker::parse(&marker.line("1-x")), Some((marker, "1-x")));
            }
        }
        assert_eq!(
            Kind::PreStop.start("1-b"),
            "FC PreStop Start RequestId: 1-b"
        );
        assert_eq!(
            Kind::PreFreeze.end("1-c"),
            "FC PreFreeze End RequestId: 1-c"
        );
        assert_eq!(
            Marker::parse("FC Invoke End RequestId: 1-a, Error: Unhandled function error"),
            Some((Marker::new(Kind::Invoke, Edge::End), "1-a"))
        );
        assert_eq!(Marker::parse("FC Deploy Start RequestId: 1-a"), None);
        assert_eq!(Marker::parse("FunctionCompute x runtime inited."), None);
    }
}
