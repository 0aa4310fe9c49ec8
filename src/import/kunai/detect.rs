//! Kunai's `detection` section as findings. Kunai adds it to an event that matched a
//! detection rule or an IoC: `rules` (names), `iocs` (the matched values), `tags` and
//! `attack` (the matching rules' tags and MITRE ATT&CK ids, stacked), `actions`, and
//! `severity`, the matching rules' scores summed and bounded to 10 (10 for any IoC match).
//! Events that matched only filtering rules carry no such section and raise nothing.

use serde_json::{Map, Value};

use crate::schema::{FindingDetail, ProcessInfo, Severity};

/// The rule name of an IoC match (Kunai's IoCs have no rule).
pub const IOC_RULE: &str = "kunai.ioc";

fn strings(o: &Map<String, Value>, k: &str) -> Vec<String> {
    o.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Kunai's score (0–10) on OCSF's scale.
pub fn severity(score: u64) -> Severity {
    match score {
        0..=1 => Severity::Informational,
        2..=3 => Severity::Low,
        4..=6 => Severity::Medium,
        7..=8 => Severity::High,
        _ => Severity::Critical,
    }
}

/// One finding per rule that matched, and one for the IoCs matched; none for a section
/// that names neither.
pub fn findings(event: &str, det: &Map<String, Value>, p: &ProcessInfo) -> Vec<FindingDetail> {
    let sev = det.get("severity").and_then(Value::as_u64).map(severity);
    let score = det.get("severity").and_then(Value::as_u64);
    let mut tags = strings(det, "tags");
    tags.extend(strings(det, "attack"));
    let who = p.exe.as_deref().or(p.comm.as_deref()).unwrap_or("?");
    let scored = |m: String| match score {
        Some(s) => format!("{m} (severity {s})"),
        None => m,
    };
    let mut out: Vec<FindingDetail> = strings(det, "rules")
        .into_iter()
        .map(|r| {
            let msg = scored(format!("{event} by {who} matched {r}"));
            FindingDetail::rule(r)
                .severity(sev)
                .tags(tags.clone())
                .message(Some(msg))
        })
        .collect();
    let iocs = strings(det, "iocs");
    if !iocs.is_empty() {
        let msg = scored(format!("{event} by {who} matched IoC {}", iocs.join(", ")));
        out.push(
            FindingDetail::rule(IOC_RULE)
                .severity(sev)
                .tags(tags)
                .message(Some(msg)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_map_onto_ocsf_and_each_rule_is_a_finding() {
        assert_eq!(severity(0), Severity::Informational);
        assert_eq!(severity(5), Severity::Medium);
        assert_eq!(severity(8), Severity::High);
        assert_eq!(severity(10), Severity::Critical);
        assert_eq!(severity(250), Severity::Critical);
        let det: Map<String, Value> = serde_json::from_str(
            r#"{"rules":["a","b"],"iocs":["x.example"],"tags":["os:linux"],"attack":["T1036"],"severity":7}"#,
        )
        .unwrap();
        let f = findings("execve", &det, &ProcessInfo::default());
        let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["a", "b", IOC_RULE]);
        assert!(f.iter().all(|f| f.severity == Some(Severity::High)));
        assert_eq!(f[0].tags, ["os:linux", "T1036"]);
        assert_eq!(
            f[2].message.as_deref(),
            Some("execve by ? matched IoC x.example (severity 7)")
        );
        assert!(findings("x", &Map::new(), &ProcessInfo::default()).is_empty());
    }
}
