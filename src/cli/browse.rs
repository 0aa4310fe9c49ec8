//! `trace containers`, `trace hosts`, `trace timeline`: the questions a responder asks first.
//! Every user value is a bound parameter.

use std::path::Path;

use anyhow::{Result, bail};
use arrow::array::{Array, AsArray};
use clap::Args;
use duckdb::types::TimeUnit;

use super::{OutputArgs, open_engine};
use crate::query::{Engine, Value, resolve_container};
use crate::render::Format;
use crate::timefmt::{now_ns, parse_time};

/// A time window from the command line.
#[derive(Debug, Clone, Args)]
pub struct Window {
    /// Only from this time: 2026-10-01, '2026-10-01 14:00', RFC 3339, or a duration ago
    /// (30m, 12h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

impl Window {
    /// The window in ns since the epoch, each end when given.
    pub(super) fn ns(&self) -> Result<(Option<i64>, Option<i64>)> {
        let now = now_ns();
        let t = |s: &Option<String>| -> Result<Option<i64>> {
            s.as_deref()
                .map(|s| parse_time(s, now).map_err(anyhow::Error::msg))
                .transpose()
        };
        Ok((t(&self.since)?, t(&self.until)?))
    }

    fn values(&self) -> Result<(Value, Value)> {
        let ts =
            |t: Option<i64>| t.map_or(Value::Null, |t| Value::Timestamp(TimeUnit::Nanosecond, t));
        let (since, until) = self.ns()?;
        Ok((ts(since), ts(until)))
    }
}

/// Arguments of `trace containers`.
#[derive(Debug, Args)]
pub struct ContainersArgs {
    /// Only containers on this host (host id or hostname).
    #[arg(long)]
    pub host: Option<String>,
    /// Only containers whose image contains this text.
    #[arg(long)]
    pub image: Option<String>,
    #[command(flatten)]
    /// Time window: containers seen in it.
    pub window: Window,
    #[command(flatten)]
    /// Output.
    pub out: OutputArgs,
}

const CONTAINERS_SQL: &str = "
WITH ev AS (
    SELECT container_id, any_value(host_id) AS ev_host, min(time) AS first_event,
           max(time) AS last_event, count(*) AS events
    FROM events WHERE container_id IS NOT NULL GROUP BY container_id
), c AS (
    SELECT coalesce(c.container_id, ev.container_id) AS container_id,
           c.name, c.image, c.pod, c.namespace, c.runtime,
           coalesce(c.host_id, ev.ev_host) AS host_id,
           least(ev.first_event, c.created, c.first_record) AS first_seen,
           greatest(ev.last_event, c.exited, c.last_record) AS last_seen,
           coalesce(ev.events, 0) AS events,
           CASE WHEN c.removed THEN 'gone'
                WHEN c.exited IS NOT NULL THEN 'exited'
                ELSE 'running' END AS state
    FROM containers c FULL OUTER JOIN ev USING (container_id)
)
SELECT CASE WHEN $5 THEN left(c.container_id, 12) ELSE c.container_id END AS id,
       c.name, c.image, coalesce(h.hostname, c.host_id) AS host, c.namespace, c.pod,
       c.first_seen, c.last_seen, c.events, c.state
FROM c LEFT JOIN hosts h USING (host_id)
WHERE (CAST($1 AS VARCHAR) IS NULL OR c.host_id = $1 OR h.hostname = $1)
  AND (CAST($2 AS VARCHAR) IS NULL OR contains(c.image, $2))
  AND (CAST($3 AS TIMESTAMP_NS) IS NULL OR c.last_seen >= $3)
  AND (CAST($4 AS TIMESTAMP_NS) IS NULL OR c.first_seen < $4)
ORDER BY c.first_seen, c.container_id";

fn text(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::Text(s.clone()))
}

/// `trace containers`.
pub fn containers(root: &Path, a: ContainersArgs) -> Result<()> {
    let engine = open_engine(root)?;
    let (since, until) = a.window.values()?;
    let short = Value::Boolean(a.out.format == Format::Table);
    let r = engine.query(
        CONTAINERS_SQL,
        &[text(&a.host), text(&a.image), since, until, short],
    )?;
    a.out.emit(&r)
}

/// Arguments of `trace hosts`.
#[derive(Debug, Args)]
pub struct HostsArgs {
    #[command(flatten)]
    /// Output.
    pub out: OutputArgs,
}

const HOSTS_SQL: &str = "
WITH ev AS (
    SELECT host_id, min(time) AS first_seen, max(time) AS last_seen, count(*) AS events,
           count(DISTINCT container_id) AS containers
    FROM events GROUP BY host_id
)
SELECT coalesce(h.host_id, ev.host_id) AS host_id, h.hostname, h.kind, h.os,
       len(h.boot_ids) AS boots, array_to_string(h.ip_addresses, ' ') AS addresses,
       ev.first_seen, ev.last_seen, coalesce(ev.events, 0) AS events,
       coalesce(ev.containers, 0) AS containers
FROM hosts h FULL OUTER JOIN ev USING (host_id)
ORDER BY h.hostname NULLS LAST, host_id";

/// `trace hosts`.
pub fn hosts(root: &Path, a: HostsArgs) -> Result<()> {
    let engine = open_engine(root)?;
    let r = engine.query(HOSTS_SQL, &[])?;
    a.out.emit(&r)
}

/// Arguments of `trace timeline`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["container", "host"])))]
pub struct TimelineArgs {
    /// Container: full id, unique id prefix, or name (docker://… and cgroup forms accepted).
    #[arg(long, short = 'c', value_name = "ID")]
    pub container: Option<String>,
    /// Host: host id or hostname (every event on it, containers included).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// Only these kinds (repeatable): process_exec, file_create, net_connect, …
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 10_000)]
    pub limit: u64,
    #[command(flatten)]
    /// Time window.
    pub window: Window,
    #[command(flatten)]
    /// Output.
    pub out: OutputArgs,
}

const TIMELINE_SQL: &str = "
SELECT e.time, coalesce(h.hostname, e.host_id) AS host,
       CASE WHEN $7 THEN left(e.container_id, 12) ELSE e.container_id END AS container,
       e.kind, e.pid, e.ppid, e.user_name AS user, coalesce(e.exe, e.comm) AS process,
       CASE e.family
         WHEN 'process' THEN array_to_string(e.argv, ' ')
              || coalesce(' (exit ' || e.exit_code || ')', '')
         WHEN 'file' THEN e.path || coalesce(' -> ' || e.target_path, '')
              || coalesce(' mode ' || printf('%o', e.file_mode), '')
         ELSE coalesce(e.src_ip || ':' || e.src_port, '*') || ' -> '
              || coalesce(e.dst_ip || ':' || e.dst_port, '?')
       END AS detail,
       e.process_key
FROM events e LEFT JOIN hosts h USING (host_id)
WHERE (CAST($1 AS VARCHAR) IS NULL OR e.container_id = $1)
  AND (CAST($2 AS VARCHAR) IS NULL OR e.host_id = $2)
  AND (CAST($3 AS TIMESTAMP_NS) IS NULL OR e.time >= $3)
  AND (CAST($4 AS TIMESTAMP_NS) IS NULL OR e.time < $4)
  AND (len(CAST($5 AS VARCHAR[])) = 0 OR list_contains(CAST($5 AS VARCHAR[]), e.kind))
ORDER BY e.time, e.time_nanos, e.kind
LIMIT $6";

/// Resolves a host id or hostname to the host id.
fn resolve_host(engine: &Engine, host: &str) -> Result<String> {
    let r = engine.query(
        "SELECT DISTINCT host_id FROM (
             SELECT host_id, hostname FROM hosts
             UNION ALL SELECT DISTINCT host_id, NULL FROM events)
         WHERE host_id = $1 OR hostname = $1 OR starts_with(host_id, $1)
         ORDER BY 1 LIMIT 10",
        &[Value::Text(host.to_string())],
    )?;
    let ids: Vec<String> = r
        .batches
        .iter()
        .flat_map(|b| {
            let a = b.column(0).as_string::<i32>();
            (0..a.len())
                .filter(|i| a.is_valid(*i))
                .map(|i| a.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    match ids.len() {
        1 => Ok(ids.into_iter().next().expect("one")),
        0 => {
            let known = engine.query(
                "SELECT string_agg(coalesce(hostname, host_id), ', ' ORDER BY hostname) FROM hosts",
                &[],
            )?;
            let list = known
                .batches
                .first()
                .map(|b| b.column(0).as_string::<i32>())
                .filter(|a| !a.is_empty() && a.is_valid(0))
                .map(|a| a.value(0).to_string())
                .unwrap_or_default();
            bail!("no host matches '{host}'; known hosts: {list}")
        }
        _ => bail!("'{host}' is ambiguous: {}", ids.join(", ")),
    }
}

/// `trace timeline`.
pub fn timeline(root: &Path, a: TimelineArgs) -> Result<()> {
    let engine = open_engine(root)?;
    let container = match &a.container {
        Some(c) => Value::Text(resolve_container(&engine, c)?.container_id),
        None => Value::Null,
    };
    let host = match &a.host {
        Some(h) => Value::Text(resolve_host(&engine, h)?),
        None => Value::Null,
    };
    for k in &a.kind {
        if crate::schema::EventKind::from_name(k).is_none() {
            let all: Vec<&str> = crate::schema::EventKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect();
            bail!("unknown event kind '{k}'; kinds are: {}", all.join(", "));
        }
    }
    let kinds = Value::List(a.kind.iter().map(|k| Value::Text(k.clone())).collect());
    let (since, until) = a.window.values()?;
    let short = Value::Boolean(a.out.format == Format::Table);
    let limit = Value::BigInt(a.limit.min(i64::MAX as u64) as i64);
    let r = engine.query(
        TIMELINE_SQL,
        &[container, host, since, until, kinds, limit, short],
    )?;
    a.out.emit(&r)
}
