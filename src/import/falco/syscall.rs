//! The system call an alert fired on, as an event of its own where Falco names it and the
//! schema holds it: an exec (`evt.type` execve, execveat), an open of a file (open, openat,
//! openat2, creat, with its direction known), a connect or an accept (with both ends known).
//! Where Falco does not say which call it was (most rules' default output has no
//! `evt.type`), or the call failed, the alert is a finding alone: no call is guessed from a
//! rule's name.

use std::net::IpAddr;

use super::fields::Fields;
use crate::schema::{EventKind, FileDetail, NetDetail, Protocol};

/// What `evt.type` names, when it is a call that gives an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// execve, execveat.
    Exec,
    /// open, openat, openat2, open_by_handle_at.
    Open,
    /// creat.
    Creat,
    /// connect.
    Connect,
    /// accept, accept4.
    Accept,
}

/// The call the alert fired on, when it succeeded and is one of [`Call`]'s.
pub fn call(f: &Fields) -> Option<Call> {
    let c = match f.peek("evt.type")?.as_str() {
        "execve" | "execveat" => Call::Exec,
        "open" | "openat" | "openat2" | "open_by_handle_at" => Call::Open,
        "creat" => Call::Creat,
        "connect" => Call::Connect,
        "accept" | "accept4" => Call::Accept,
        _ => return None,
    };
    (!failed(f, c)).then_some(c)
}

/// Whether the call failed: `evt.res` (`SUCCESS`, an errno name, or a number), else
/// `evt.rawres`, else `evt.failed`. A connect in progress (EINPROGRESS, a non-blocking
/// socket) is a connect.
fn failed(f: &Fields, c: Call) -> bool {
    let pending_ok = c == Call::Connect;
    if let Some(res) = f.peek("evt.res") {
        if res == "SUCCESS" || (pending_ok && res == "EINPROGRESS") {
            return false;
        }
        return match res.parse::<i64>() {
            Ok(r) => r < 0 && !(pending_ok && r == -115),
            Err(_) => true,
        };
    }
    if let Some(r) = f.peek_int::<i64>("evt.rawres") {
        return r < 0 && !(pending_ok && r == -115);
    }
    f.peek_bool("evt.failed").unwrap_or(false)
}

/// What the open's flags say (Falco prints them as names: `O_RDONLY|O_CLOEXEC`, with its
/// own `O_F_CREATED` when the open created the file).
fn open_kind(f: &Fields, c: Call) -> Option<EventKind> {
    let flags = f
        .peek("fd.openflags")
        .or_else(|| f.peek("evt.arg.flags"))
        .unwrap_or_default();
    let has = |n: &str| flags.split('|').any(|x| x.trim() == n);
    if has("O_F_CREATED") {
        return Some(EventKind::FileCreate);
    }
    let writes = ["O_WRONLY", "O_RDWR", "O_TRUNC", "O_APPEND", "O_CREAT"];
    if c == Call::Creat
        || f.peek_bool("evt.is_open_write") == Some(true)
        || writes.iter().any(|w| has(w))
    {
        return Some(EventKind::FileOpenWrite);
    }
    if f.peek_bool("evt.is_open_read") == Some(true) || has("O_RDONLY") {
        return Some(EventKind::FileOpenRead);
    }
    None
}

/// The file an open or creat acted on: `fd.name` when the descriptor is a file (`fd.type`
/// file, `fd.typechar` f, or neither said) and its direction is known.
pub fn file(f: &mut Fields, c: Call) -> Option<(EventKind, FileDetail)> {
    if !matches!(c, Call::Open | Call::Creat) {
        return None;
    }
    let is_file = f.peek("fd.type").is_none_or(|t| t == "file")
        && f.peek("fd.typechar").is_none_or(|t| t == "f");
    let path = f
        .peek("fd.name")
        .filter(|p| p.starts_with('/') && is_file)?;
    let kind = open_kind(f, c)?;
    f.mark("fd.name");
    Some((kind, FileDetail::path(path)))
}

/// One end of a connection: `ip:port`, IPv6 with or without brackets.
fn end(s: &str) -> Option<(IpAddr, u16)> {
    let (ip, port) = s.trim().rsplit_once(':')?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    Some((ip.parse().ok()?, port.parse().ok()?))
}

/// `fd.name` of a socket: `client:port->server:port`.
fn tuple(s: &str) -> Option<((IpAddr, u16), (IpAddr, u16))> {
    let (c, s) = s.split_once("->")?;
    Some((end(c)?, end(s)?))
}

/// Client and server from `fd.cip`, `fd.cport`, `fd.sip`, `fd.sport`, when all four are there.
fn fields_ends(f: &Fields) -> Option<((IpAddr, u16), (IpAddr, u16))> {
    let ip = |k: &str| f.peek(k).and_then(|s| s.parse::<IpAddr>().ok());
    let client = (ip("fd.cip")?, f.peek_int::<u16>("fd.cport")?);
    let server = (ip("fd.sip")?, f.peek_int::<u16>("fd.sport")?);
    Some((client, server))
}

/// The connection a connect or accept made: client (the initiator) to server, from
/// `fd.cip`/`fd.cport`/`fd.sip`/`fd.sport`, else the `fd.name` tuple.
pub fn net(f: &mut Fields, c: Call) -> Option<(EventKind, NetDetail)> {
    let kind = match c {
        Call::Connect => EventKind::NetConnect,
        Call::Accept => EventKind::NetAccept,
        _ => return None,
    };
    let ends = fields_ends(f);
    let (client, server) = match ends {
        Some(e) => {
            for k in ["fd.cip", "fd.cport", "fd.sip", "fd.sport"] {
                f.mark(k);
            }
            e
        }
        None => {
            let t = tuple(&f.peek("fd.name")?)?;
            f.mark("fd.name");
            t
        }
    };
    let protocol = match f.text("fd.l4proto").as_deref() {
        Some(p) if p.eq_ignore_ascii_case("udp") => Protocol::Udp,
        _ => Protocol::Tcp,
    };
    Some((kind, NetDetail::new(protocol, Some(client), Some(server))))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn tuples_of_both_families_and_failed_calls() {
        let (c, s) = tuple("172.17.0.9:43812->10.96.0.1:443").unwrap();
        assert_eq!(c, ("172.17.0.9".parse().unwrap(), 43812));
        assert_eq!(s.1, 443);
        let (c, _) = tuple("[2001:db8::5]:40000->[2001:db8::1]:22").unwrap();
        assert_eq!(c.0, "2001:db8::5".parse::<IpAddr>().unwrap());
        let (c, _) = tuple("2001:db8::5:40000->2001:db8::1:22").unwrap();
        assert_eq!(c.1, 40000);
        assert!(tuple("/etc/shadow").is_none());
        let m = json!({"evt.type": "connect", "evt.res": "EINPROGRESS"});
        assert_eq!(call(&Fields::new(m.as_object())), Some(Call::Connect));
        let m = json!({"evt.type": "openat", "evt.res": "ENOENT"});
        assert_eq!(call(&Fields::new(m.as_object())), None);
        let m = json!({"evt.type": "openat", "evt.rawres": 3});
        assert_eq!(call(&Fields::new(m.as_object())), Some(Call::Open));
        let m = json!({"evt.type": "dup2"});
        assert_eq!(call(&Fields::new(m.as_object())), None);
    }
}
