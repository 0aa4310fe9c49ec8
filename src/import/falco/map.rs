//! One alert's rows: the finding (with the process it names, in its container), the
//! container's `seen` record, the system call's own event where Falco names it
//! ([`syscall`](super::syscall)), and a loss row for Falco's own syscall-drop alert.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::SOURCE;
use super::fields::Fields;
use super::syscall::{self, Call};
use crate::import::procs::Procs;
use crate::import::values::{login_uid, text, text_time_ns};
use crate::import::{Emit, NO_HOST, Why, skip};
use crate::ingest::identity::parse_container_ref;
use crate::schema::{
    ContainerRecord, ContainerState, FindingDetail, Origin, ProcessInfo, Severity,
};

/// Falco's alert about the events it dropped itself.
pub const DROP_RULE: &str = "Falco internal: syscall event drop";

/// Top-level keys held by columns (the rest go to `extra`, `priority` and `source` with them).
const MAPPED: &[&str] = &[
    "rule",
    "output",
    "tags",
    "time",
    "hostname",
    "output_fields",
];

/// Fields that are the event's time (the alert's `time` is the same instant).
const TIMES: &[&str] = &[
    "evt.time",
    "evt.time.iso8601",
    "evt.rawtime",
    "evt.datetime",
];

/// The importer's state across alerts.
pub struct Mapper {
    procs: Procs,
}

impl Default for Mapper {
    fn default() -> Mapper {
        Mapper {
            procs: Procs::new(SOURCE),
        }
    }
}

/// Falco's priority (its name, any case, or the number of its gRPC enum) on OCSF's scale.
fn severity(v: Option<&Value>) -> Option<Severity> {
    match v? {
        Value::String(s) => Severity::from_level(s),
        Value::Number(n) => {
            const ENUM: [Severity; 8] = [
                Severity::Fatal,
                Severity::Critical,
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
                Severity::Informational,
                Severity::Informational,
            ];
            ENUM.get(usize::try_from(n.as_u64()?).ok()?).copied()
        }
        _ => None,
    }
}

/// The alert's time: `time` (RFC 3339; `{seconds, nanos}` as a gRPC client writes it),
/// else the event's own time among the fields.
fn time(o: &Map<String, Value>, f: &Fields) -> Option<i64> {
    match o.get("time") {
        Some(Value::String(s)) => text_time_ns(s),
        Some(Value::Object(t)) => {
            let s = t.get("seconds").and_then(Value::as_i64)?;
            let n = t.get("nanos").and_then(Value::as_i64).unwrap_or(0);
            s.checked_mul(1_000_000_000)?.checked_add(n)
        }
        _ => None,
    }
    .or_else(|| TIMES.iter().find_map(|k| f.peek_time(k)))
}

impl Mapper {
    /// The rows of one alert.
    pub fn alert(&mut self, v: &Value, out: &mut Emit) -> Result<(), Why> {
        let Some(o) = v.as_object() else {
            return Err(skip("not a Falco alert", "not a JSON object"));
        };
        let Some(rule) = text(o.get("rule")) else {
            return Err(skip("not a Falco alert", "no `rule`"));
        };
        let source = o.get("source").and_then(Value::as_str);
        let internal = source == Some("internal") || rule.starts_with("Falco internal:");
        if internal && rule != DROP_RULE {
            return Err(Why::Unmapped(rule));
        }
        let mut f = Fields::new(o.get("output_fields").and_then(Value::as_object));
        let named = text(o.get("hostname")).or_else(|| f.text("evt.hostname"));
        let Some(host) = out.host_of(named.as_deref()) else {
            let why = "the alert has no hostname; name the host with --host";
            return Err(skip(NO_HOST, why));
        };
        let Some(time) = time(o, &f) else {
            return Err(skip("no time", "no `time` and no evt.time"));
        };
        for k in TIMES {
            f.mark(k);
        }
        let call = syscall::call(&f);
        let info = Arc::new(self.process(&mut f, &host, time, call));
        let ctr = container(&mut f, &host, time);
        let ctr_id = ctr.as_ref().map(|c| c.container_id.clone());
        if let Some(c) = ctr {
            out.container(c)?;
        }
        let origin = Origin::new(&host, None, SOURCE);
        // The call's own event, where Falco names it (the finding keeps what it left).
        let side = match call {
            Some(Call::Exec) if info.pid.is_some() => {
                Some(origin.exec(time, ctr_id.clone(), info.clone(), None))
            }
            Some(c) => syscall::file(&mut f, c)
                .map(|(k, d)| origin.file(time, k, ctr_id.clone(), info.clone(), d))
                .or_else(|| {
                    syscall::net(&mut f, c)
                        .map(|(k, d)| origin.net(time, k, ctr_id.clone(), info.clone(), d))
                }),
            None => None,
        };
        let drops = (rule == DROP_RULE)
            .then(|| f.int::<u64>("n_drops"))
            .flatten();
        let detail = FindingDetail::rule(rule)
            .severity(severity(o.get("priority")))
            .tags(tags(o.get("tags")))
            .message(text(o.get("output")));
        let mut extra: Map<String, Value> = o
            .iter()
            .filter(|(k, _)| !MAPPED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        extra.extend(f.rest());
        if let Some(ev) = side {
            out.event(ev.with_extra(Some(extra.clone())))?;
        }
        let finding = origin.finding(time, ctr_id, info, detail);
        out.event(finding.with_extra(Some(extra)))?;
        if let Some(n) = drops {
            // "N system calls dropped in last second."
            let since = time.saturating_sub(1_000_000_000);
            out.loss(origin.loss(time, (since, time), n, "syscall_event_drop"))?;
        }
        Ok(())
    }

    /// The process the alert names (none for other sources than syscalls: Kubernetes
    /// audit, CloudTrail and the other plugins name users and resources, not processes).
    fn process(
        &mut self,
        f: &mut Fields,
        host: &str,
        time: i64,
        call: Option<Call>,
    ) -> ProcessInfo {
        let comm = f.text("proc.name");
        let exe = f.text("proc.exepath").or_else(|| {
            let e = f.peek("proc.exe").filter(|e| e.starts_with('/'))?;
            f.mark("proc.exe");
            Some(e)
        });
        // -1 (none) stays in extra.
        let auid = login_uid(f.peek_int::<u32>("user.loginuid"));
        if auid.is_some() {
            f.mark("user.loginuid");
        }
        let mut p = ProcessInfo {
            pid: f.int("proc.pid"),
            tid: f.int("thread.tid"),
            ppid: f.int("proc.ppid"),
            uid: f.int("user.uid"),
            gid: f.int("group.gid"),
            auid,
            user_name: f.text("user.name"),
            argv: argv(f, comm.as_deref()),
            comm,
            exe,
            cwd: f.text("proc.cwd"),
            ..Default::default()
        };
        let Some(pid) = p.pid else {
            return p;
        };
        // The kernel's start time, when the alert has it: exact identity.
        let start = start_time(f, time, "proc.pid.ts", "proc.duration");
        let pstart = start_time(f, time, "proc.ppid.ts", "proc.ppid.duration");
        if let Some(ts) = start {
            self.procs.fork(host, pid, p.ppid, ts);
        } else if call == Some(Call::Exec) {
            self.procs.exec(host, pid, p.ppid, time);
        }
        if let (Some(pp), Some(ts)) = (p.ppid, pstart) {
            self.procs.fork(host, pp, None, ts);
        }
        let inc = self.procs.at(host, pid, time);
        p.ppid = p.ppid.or(inc.ppid);
        p.parent_key = p
            .ppid
            .filter(|pp| *pp > 0 && *pp != pid)
            .map(|pp| self.procs.at(host, pp, inc.start).key);
        p.key = Some(inc.key);
        p.start_time = start;
        p
    }
}

/// A process' start: the field `ts` (epoch ns), else `time` less the field `dur` (ns since
/// the start), marked.
fn start_time(f: &mut Fields, time: i64, ts: &str, dur: &str) -> Option<i64> {
    if let Some(t) = f.peek_time(ts) {
        f.mark(ts);
        return Some(t);
    }
    let t = time.checked_sub(f.peek_int::<i64>(dur)?)?;
    f.mark(dur);
    Some(t)
}

/// The argument vector. Falco's `proc.cmdline` is the command name (`proc.name`) and the
/// arguments joined with single spaces, and `proc.args` the arguments alone; `proc.exe` is
/// `argv[0]`. So: `argv[0]` from `proc.exe` (else the command name), the rest split back on
/// single spaces (an argument that held a space comes back as two; both texts stay in
/// `extra`).
fn argv(f: &mut Fields, comm: Option<&str>) -> Vec<String> {
    let (first, args) = if let Some(a) = f.peek("proc.args") {
        (comm.map(str::to_string), Some(a))
    } else if let Some(c) = f.peek("proc.cmdline") {
        let (name, rest) = match comm {
            Some(n) if c == n => (n.to_string(), None),
            Some(n) if c.starts_with(&format!("{n} ")) => {
                (n.to_string(), Some(c[n.len() + 1..].to_string()))
            }
            _ => match c.split_once(' ') {
                Some((n, r)) => (n.to_string(), Some(r.to_string())),
                None => (c.clone(), None),
            },
        };
        (Some(name), rest)
    } else {
        return Vec::new();
    };
    let first = match f.peek("proc.exe") {
        Some(e) => {
            f.mark("proc.exe");
            Some(e)
        }
        None => first,
    };
    first
        .into_iter()
        .chain(args.iter().flat_map(|a| a.split(' ').map(str::to_string)))
        .collect()
}

/// The rule's tags, as written.
fn tags(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| text(Some(t))).collect())
        .unwrap_or_default()
}

/// The container the alert names, as a `seen` record: `container.full_id` (newer Falco),
/// else `container.id` (Falco's 12-digit short id, a prefix of the full one); `host` is
/// Falco's name for no container.
fn container(f: &mut Fields, host: &str, time: i64) -> Option<ContainerRecord> {
    let raw = f
        .peek("container.full_id")
        .or_else(|| f.peek("container.id"));
    f.mark("container.id");
    f.mark("container.full_id");
    let raw = raw.filter(|r| r != "host")?;
    let (id, runtime) = parse_container_ref(&raw);
    let repo = f.text("container.image.repository");
    let tag = f.text("container.image.tag");
    let image = f.text("container.image").or(match (repo, tag) {
        (Some(r), Some(t)) => Some(format!("{r}:{t}")),
        (r, _) => r,
    });
    Some(ContainerRecord {
        time,
        host_id: host.to_string(),
        container_id: id,
        state: Some(ContainerState::Seen),
        name: f.text("container.name"),
        image,
        image_id: f
            .text("container.image.digest")
            .or_else(|| f.text("container.image.id")),
        runtime: f
            .text("container.type")
            .or_else(|| runtime.map(str::to_string)),
        pod: f.text("k8s.pod.name"),
        namespace: f.text("k8s.ns.name"),
        started: f.peek_time("container.start_ts").inspect(|_| {
            f.mark("container.start_ts");
        }),
        source: SOURCE.to_string(),
        ..Default::default()
    })
}
