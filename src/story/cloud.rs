//! From a container to the cloud: an AWS access key id seen in the subject's command lines
//! (`AKIA…` long-term, `ASIA…` session keys), and the API calls made with it afterwards
//! (imported CloudTrail, the `api` family), from wherever they came.

use std::collections::BTreeMap;

use crate::query::{Engine, QueryError, Scope};
use crate::schema::Family;
use crate::select::Filter;

use super::Pivot;
use super::pivot::Known;
use super::rows::{Ev, ints, strs};

/// How long before a key's first sighting a call made with it still counts (the clocks of
/// the cloud and of the host differ).
const SKEW: i64 = 300 * 1_000_000_000;

/// The AWS access key ids in `s`: `AKIA`/`ASIA` and 16 upper-case letters or digits, not
/// inside a longer word.
pub(super) fn access_keys(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let key_char = |c: u8| c.is_ascii_uppercase() || c.is_ascii_digit();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 20 <= b.len() {
        let prefix = &b[i..i + 4];
        let starts = (prefix == b"AKIA" || prefix == b"ASIA")
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric());
        if starts
            && b[i + 4..i + 20].iter().all(|c| key_char(*c))
            && b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            out.push(s[i..i + 20].to_string());
            i += 20;
        } else {
            i += 1;
        }
    }
    out
}

/// Each key the subject's events show, with the first event that shows it.
fn sightings(evs: &[Ev]) -> BTreeMap<String, &Ev> {
    let mut seen: BTreeMap<String, &Ev> = BTreeMap::new();
    for e in evs {
        for a in &e.argv {
            for k in access_keys(a) {
                seen.entry(k)
                    .and_modify(|f| {
                        if e.time < f.time {
                            *f = e;
                        }
                    })
                    .or_insert(e);
            }
        }
    }
    seen
}

/// One pivot per key seen in the subject's command lines that was then used to call a
/// cloud API: who the calls were made as, from where, what they did.
pub(super) fn pivots(
    engine: &Engine,
    evs: &[Ev],
    known: &Known,
    out: &mut Vec<Pivot>,
) -> Result<(), QueryError> {
    let seen = sightings(evs);
    if seen.is_empty() {
        return Ok(());
    }
    let first = seen.values().map(|e| e.time).min().unwrap_or(0);
    let sel = Filter::family(Family::Api)
        .within("access_key", seen.keys().cloned())
        .since(Some(first.saturating_sub(SKEW)))
        .scoped(Scope::All);
    const COLUMNS: &[&str] = &[
        "time",
        "host_id",
        "access_key",
        "user_name",
        "operation",
        "src_ip",
        "outcome",
    ];
    // key → (host, caller, addresses, operations, first, last, count)
    type Uses = (
        String,
        Option<String>,
        Vec<String>,
        Vec<String>,
        i64,
        i64,
        u64,
    );
    let mut uses: BTreeMap<String, Uses> = BTreeMap::new();
    for b in engine.select(&sel, COLUMNS)? {
        let (t, host, key) = (
            ints(&b, "time"),
            strs(&b, "host_id"),
            strs(&b, "access_key"),
        );
        let (user, op, ip) = (
            strs(&b, "user_name"),
            strs(&b, "operation"),
            strs(&b, "src_ip"),
        );
        for i in 0..b.num_rows() {
            let (Some(k), Some(t)) = (&key[i], t[i]) else {
                continue;
            };
            // Only calls after the key was seen (within the clocks' skew).
            if seen.get(k).is_none_or(|e| t < e.time.saturating_sub(SKEW)) {
                continue;
            }
            let u = uses.entry(k.clone()).or_insert_with(|| {
                (
                    host[i].clone().unwrap_or_default(),
                    user[i].clone(),
                    Vec::new(),
                    Vec::new(),
                    t,
                    t,
                    0,
                )
            });
            if let Some(ip) = &ip[i]
                && !u.2.contains(ip)
            {
                u.2.push(ip.clone());
            }
            if let Some(op) = &op[i]
                && !u.3.contains(op)
            {
                u.3.push(op.clone());
            }
            u.4 = u.4.min(t);
            u.5 = u.5.max(t);
            u.6 += 1;
        }
    }
    for (key, (host, user, ips, ops, first, last, count)) in uses {
        let e = seen[&key];
        let from = ips
            .iter()
            .map(|ip| match known.describe(ip, first) {
                Some(what) => format!("{ip} ({what})"),
                None => ip.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let shown: Vec<&str> = ops.iter().take(6).map(String::as_str).collect();
        let more = if ops.len() > 6 { ", …" } else { "" };
        out.push(Pivot {
            hop: 1,
            kind: "cloud_key",
            host: known.host(&host),
            container_id: None,
            label: user.unwrap_or_else(|| key.clone()),
            reason: format!(
                "access key {key} in the command line of {} here, then {count} API call(s) with it from {from}: {}{more}",
                e.exe.as_deref().unwrap_or("a process"),
                shown.join(", "),
            ),
            first,
            last,
            count,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::access_keys;

    #[test]
    fn access_keys_are_found_whole_and_only_whole() {
        assert_eq!(
            access_keys("AWS_ACCESS_KEY_ID=AKIA2EXAMPLEQWERTY7Z aws s3 ls"),
            ["AKIA2EXAMPLEQWERTY7Z"]
        );
        assert_eq!(
            access_keys("ASIAP5CT9NN8EYVU1FXV,AKIAAM80VXLJF8NPK4VC"),
            ["ASIAP5CT9NN8EYVU1FXV", "AKIAAM80VXLJF8NPK4VC"]
        );
        // Too short, lower case, or inside a longer word.
        assert!(access_keys("AKIA2EXAMPLE").is_empty());
        assert!(access_keys("akia2example4qwerty7z").is_empty());
        assert!(access_keys("XAKIA2EXAMPLEQWERTY7Z").is_empty());
        assert!(access_keys("AKIA2EXAMPLEQWERTY7ZZ").is_empty());
    }
}
