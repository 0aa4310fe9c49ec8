//! `socket_events` (audit) and `bpf_socket_events` rows: connect, accept, bind and listen
//! as network events.

use serde_json::{Map, Value};

use super::cols::Cols;
use super::envelope::{Action, Table};
use super::map::{Ctx, RowOut, State, actor, missing};
use crate::schema::{EventKind, NetDetail, Protocol};

/// `EINPROGRESS` as a connect's return value: an attempt under way on a non-blocking socket.
const EINPROGRESS: i64 = -115;

/// Why a row is no event, or `None` when the call succeeded: socket_events' `status`
/// (`failed`, `no_client`; older osquery: `success` 0), bpf's `exit_code` (a negative errno,
/// but `EINPROGRESS` for connect).
fn failed(table: Table, c: &Cols, what: &str) -> bool {
    if table == Table::SocketEvents {
        return match c.peek("status").as_deref() {
            Some("failed" | "no_client") => true,
            Some(_) => false,
            None => c.peek_int("success") == Some(0),
        };
    }
    c.ret("exit_code")
        .is_some_and(|r| r < 0 && !(what == "connect" && r == EINPROGRESS))
}

/// tcp or udp: `protocol` (6, 17) when osquery knew it, else bpf's socket `type`
/// (SOCK_STREAM 1, SOCK_DGRAM 2); else tcp (audit's SOCKADDR has no protocol: osquery writes
/// 0, and the column stays in `extra`).
fn protocol(c: &mut Cols) -> Protocol {
    match c.peek_int("protocol") {
        Some(6) => {
            c.mark("protocol");
            return Protocol::Tcp;
        }
        Some(17) => {
            c.mark("protocol");
            return Protocol::Udp;
        }
        _ => {}
    }
    match c.peek_int("type") {
        Some(1) => {
            c.mark("type");
            Protocol::Tcp
        }
        Some(2) => {
            c.mark("type");
            Protocol::Udp
        }
        _ => Protocol::Tcp,
    }
}

/// The network event of a row.
pub fn map(
    ctx: &Ctx,
    st: &mut State,
    table: Table,
    action: Action,
    cols: &Map<String, Value>,
) -> RowOut {
    let t = table.name();
    let mut c = Cols::new(cols);
    let what = match table {
        Table::SocketEvents => c.peek("action"),
        _ => c.peek("syscall"),
    }
    .unwrap_or_else(|| "?".to_string());
    let kind = match what.as_str() {
        "connect" => EventKind::NetConnect,
        "accept" | "accept4" => EventKind::NetAccept,
        "bind" | "listen" => EventKind::NetListen,
        other => return RowOut::Unmapped(format!("{t} {other}")),
    };
    if failed(table, &c, &what) {
        return RowOut::Unmapped(format!("{t} failed {what}"));
    }
    // A stream socket's bind is followed by its listen, the row that is the event (bpf sees
    // both; audit's socket_events have no listen).
    if table == Table::BpfSocketEvents && what == "bind" && c.peek_int("type") == Some(1) {
        return RowOut::Unmapped(format!("{t} bind of a stream socket"));
    }
    match c.peek_int("family") {
        Some(2 | 10) => c.mark("family"),
        Some(1) => return RowOut::Unmapped(format!("{t} unix socket")),
        Some(f) if f >= 0 => return RowOut::Unmapped(format!("{t} family {f}")),
        _ => {}
    }
    let Some(time) = ctx.time(&mut c) else {
        return missing(table, "no time", "time");
    };
    let proto = protocol(&mut c);
    let local = c.endpoint("local_address", "local_port");
    let remote = c.endpoint("remote_address", "remote_port");
    let d = match kind {
        EventKind::NetConnect if remote.is_some() => NetDetail::new(proto, local, remote),
        EventKind::NetAccept if local.is_some() || remote.is_some() => {
            NetDetail::new(proto, remote, local)
        }
        EventKind::NetListen if local.is_some() => NetDetail::new(proto, None, local),
        _ => return RowOut::Unmapped(format!("{t} {what} without an address")),
    };
    let p = actor(ctx, st, &mut c, time, ("parent", "path"));
    let ctr = ctx.container(&mut c, time);
    let id = ctr.as_ref().map(|r| r.container_id.clone());
    let ev = ctx.origin.net(time, kind, id, p, d);
    ctx.done(ev, ctr, table, action, &c)
}
