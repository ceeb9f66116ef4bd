//! Log markers: a Start and an End line for every request, in order, with its own
//! id, on stdout (contract §7).

use std::collections::HashSet;

use super::{Checker, LINE_GRACE, Outcome, Verdict};
use crate::logs::{Line, Stream};
use crate::marker::{self, Marker};

impl Checker {
    pub(super) async fn markers(&mut self) -> Outcome {
        let wanted: Vec<(String, String)> = self
            .sent
            .iter()
            .map(|s| (s.kind.start(&s.id), s.kind.end(&s.id)))
            .collect();
        self.logs
            .wait_until(LINE_GRACE, |lines| {
                wanted
                    .iter()
                    .all(|(_, end)| lines.iter().any(|l| marker::is(&l.text, end)))
            })
            .await;
        let lines = self.logs.snapshot();
        let stdout: Vec<&Line> = lines
            .iter()
            .filter(|l| l.stream == Stream::Stdout)
            .collect();
        let mut problems = Vec::new();
        for (sent, (start, end)) in self.sent.iter().zip(&wanted) {
            let find = |marker: &str| -> Vec<usize> {
                stdout
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| marker::is(&l.text, marker))
                    .map(|(i, _)| i)
                    .collect()
            };
            let (starts, ends) = (find(start), find(end));
            let on_stderr = lines.iter().any(|l| {
                l.stream == Stream::Stderr
                    && (marker::is(&l.text, start) || marker::is(&l.text, end))
            });
            let problem = match (starts.as_slice(), ends.as_slice()) {
                _ if on_stderr => Some("markers on stderr (FC reads them from stdout)".to_owned()),
                ([], []) => Some("no Start or End line".to_owned()),
                ([], _) => Some("no Start line".to_owned()),
                (_, []) => Some("no End line".to_owned()),
                ([s], [e]) if s > e => Some("End before Start".to_owned()),
                ([_], [_]) => None,
                (s, e) => Some(format!("{} Start and {} End lines", s.len(), e.len())),
            };
            if let Some(problem) = problem {
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
