//! Log markers: a Start and an End line for every request, in order, with its own
//! id, on stdout (contract §7).

use std::collections::HashSet;

use super::{Checker, LINE_GRACE, Outcome, Verdict};
use crate::logs::{Line, Stream};
use crate::marker::{self, Kind, Marker};

impl Checker {
    pub(super) async fn markers(&mut self) -> Outcome {
        let ends: Vec<String> = self.sent.iter().map(|s| s.kind.end(&s.id)).collect();
        self.logs
            .wait_until(LINE_GRACE, |lines| {
                ends.iter()
                    .all(|end| lines.iter().any(|l| marker::is(&l.text, end)))
            })
            .await;
        let lines = self.logs.snapshot();
        let mut problems = Vec::new();
        for sent in &self.sent {
            if let Some(problem) = problem(&lines, sent.kind, &sent.id) {
                problems.push(format!("{}: {problem}", sent.id));
            }
        }
        let ours: HashSet<&str> = self.sent.iter().map(|s| s.id.as_str()).collect();
        let mut foreign: Vec<&str> = Vec::new();
        for line in &lines {
            if let Some((_, id)) = Marker::parse(&line.text) {
                if !ours.contains(id) && !foreign.contains(&id) {
                    foreign.push(id);
                }
            }
        }
        let total = self.sent.len();
        if problems.is_empty() && foreign.is_empty() {
            let why = format!(
                "Start and End lines, in order, with the request's own id, for all {total} invocations"
            );
            return (Verdict::Pass, why);
        }
        let mut why = format!(
            "{} of {total} invocations: {}",
            problems.len(),
            problems
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
        if problems.len() > 3 {
            why.push_str("; …");
        }
        if !foreign.is_empty() {
            why.push_str(&format!(
                "; marker lines carry ids fc-local never sent ({}): use x-fc-request-id",
                foreign
                    .iter()
                    .take(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        (Verdict::Fail, why)
    }
}

/// What is wrong with request `id`'s marker lines in `lines`, if anything: each
/// once, on stdout, Start before End.
pub(super) fn problem(lines: &[Line], kind: Kind, id: &str) -> Option<String> {
    let (start, end) = (kind.start(id), kind.end(id));
    let find = |marker: &str| -> Vec<usize> {
        lines
            .iter()
            .filter(|l| l.stream == Stream::Stdout)
            .enumerate()
            .filter(|(_, l)| marker::is(&l.text, marker))
            .map(|(i, _)| i)
            .collect()
    };
    let on_stderr = lines.iter().any(|l| {
        l.stream == Stream::Stderr && (marker::is(&l.text, &start) || marker::is(&l.text, &end))
    });
    let (starts, ends) = (find(&start), find(&end));
    match (starts.as_slice(), ends.as_slice()) {
        _ if on_stderr => Some("markers on stderr (FC reads them from stdout)".to_owned()),
        ([], []) => Some("no Start or End line".to_owned()),
        ([], _) => Some("no Start line".to_owned()),
        (_, []) => Some("no End line".to_owned()),
        ([s], [e]) if s > e => Some("End before Start".to_owned()),
        ([_], [_]) => None,
        (s, e) => Some(format!("{} Start and {} End lines", s.len(), e.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(text: &str) -> Line {
        Line {
            stream: Stream::Stdout,
            text: text.to_owned(),
        }
    }

    #[test]
    fn hook_markers_are_judged_like_invocation_markers() {
        let start = out("FC PreStop Start RequestId: 1-a");
        let end = out("FC PreStop End RequestId: 1-a");
        let log = out("2026-01-01T00:00:00.000Z 1-a [INFO] draining");
        assert_eq!(
            problem(
                &[start.clone(), log.clone(), end.clone()],
                Kind::PreStop,
                "1-a"
            ),
            None
        );
        assert_eq!(
            problem(&[end.clone(), start.clone()], Kind::PreStop, "1-a").as_deref(),
            Some("End before Start")
        );
        assert_eq!(
            problem(&[start.clone(), log], Kind::PreStop, "1-a").as_deref(),
            Some("no End line")
        );
        let on_stderr = Line {
            stream: Stream::Stderr,
            ..end
        };
        assert_eq!(
            problem(&[start], Kind::PreStop, "1-a").as_deref(),
            Some("no End line")
        );
        assert_eq!(
            problem(&[on_stderr], Kind::PreStop, "1-a").as_deref(),
            Some("markers on stderr (FC reads them from stdout)")
        );
        assert_eq!(
            problem(
                &[out("FC Invoke Start RequestId: 1-a")],
                Kind::PreStop,
                "1-a"
            )
            .as_deref(),
            Some("no Start or End line")
        );
    }
}
