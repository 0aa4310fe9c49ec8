//! Endpoint Security's login and authentication events (macOS 13 on; `su` and `sudo` 14 on),
//! each read into one shape, [`Session`]: who, how, from where, as whom, and whether it
//! worked — and as the `api` family's login rows ([`Session::kind`], [`Session::detail`]).

use serde_json::{Map, Value};

use crate::import::values::{int, obj, str_of, text};
use crate::schema::{ApiDetail, EventKind, Outcome};

type Obj = Map<String, Value>;

/// One login, logout, lock, unlock, screen-sharing session, authentication, `su` or `sudo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// What happened: `login`, `logout`, `lock`, `unlock`, `attach`, `detach`,
    /// `authenticate`, `su`, `sudo`.
    pub action: &'static str,
    /// Through what: `ssh`, `login` (`/usr/bin/login`), `loginwindow`, `screensharing`,
    /// `su`, `sudo`, or the authentication's kind (`od`, `touchid`, `token`, `auto_unlock`).
    pub via: &'static str,
    /// Who (the user logging in, or running `su`/`sudo`).
    pub user: Option<String>,
    /// Their uid, when given.
    pub uid: Option<u32>,
    /// As whom (`su`, `sudo`).
    pub to_user: Option<String>,
    /// That user's uid, when given.
    pub to_uid: Option<u32>,
    /// Whether it worked (logouts, locks and detaches say nothing).
    pub success: Option<bool>,
    /// Why it failed: the message, or OpenSSH's result.
    pub failure: Option<String>,
    /// The remote address (ssh, screen sharing).
    pub source_address: Option<String>,
    /// The command run (`sudo`).
    pub command: Option<String>,
    /// loginwindow's graphical session.
    pub graphical_session: Option<i64>,
}

impl Session {
    /// A login or a logout (a lock and a detach end a session; an unlock, an attach, an
    /// authentication, `su` and `sudo` begin one).
    pub fn kind(&self) -> EventKind {
        match self.action {
            "logout" | "lock" | "detach" => EventKind::AuthLogoff,
            _ => EventKind::AuthLogon,
        }
    }

    /// The row's detail: the event's name as the operation, how as the service, the target
    /// user of `su`/`sudo` as the resource, the remote address, the outcome.
    pub fn detail(&self, name: &str) -> ApiDetail {
        ApiDetail {
            operation: name.to_string(),
            service: (!self.via.is_empty()).then(|| self.via.to_string()),
            actor_uid: self.uid.map(|u| u.to_string()),
            src_ip: self.source_address.as_deref().and_then(|a| a.parse().ok()),
            resource_type: self.to_user.as_ref().map(|_| "user".to_string()),
            resource: self.to_user.clone(),
            outcome: self.success.map(|ok| {
                if ok {
                    Outcome::Success
                } else {
                    Outcome::Failure
                }
            }),
            status_detail: self.failure.clone(),
            ..Default::default()
        }
    }
}

/// OpenSSH's results (`es_openssh_login_result_type_t`).
const SSH_RESULTS: [&str; 10] = [
    "login_exceed_maxtries",
    "login_root_denied",
    "auth_success",
    "auth_fail_none",
    "auth_fail_passwd",
    "auth_fail_kbdint",
    "auth_fail_pubkey",
    "auth_fail_hostbased",
    "auth_fail_gssapi",
    "invalid_user",
];

/// The kinds of an `authentication` event (`es_authentication_type_t`), also the key of its
/// `data` arm.
const AUTH_KINDS: [&str; 4] = ["od", "touchid", "token", "auto_unlock"];

/// The session event `name` with its object `ev`: `None` when `name` is no such event, an
/// error (what is missing) when it lacks what says who or whether it worked.
pub fn parse(name: &str, ev: &Obj) -> Option<Result<Session, String>> {
    let (action, via) = match name {
        "openssh_login" => ("login", "ssh"),
        "openssh_logout" => ("logout", "ssh"),
        "login_login" => ("login", "login"),
        "login_logout" => ("logout", "login"),
        "lw_session_login" => ("login", "loginwindow"),
        "lw_session_logout" => ("logout", "loginwindow"),
        "lw_session_lock" => ("lock", "loginwindow"),
        "lw_session_unlock" => ("unlock", "loginwindow"),
        "screensharing_attach" => ("attach", "screensharing"),
        "screensharing_detach" => ("detach", "screensharing"),
        "su" => ("su", "su"),
        "sudo" => ("sudo", "sudo"),
        "authentication" => ("authenticate", ""),
        _ => return None,
    };
    Some(session(name, action, via, ev))
}

fn session(
    name: &str,
    action: &'static str,
    via: &'static str,
    ev: &Obj,
) -> Result<Session, String> {
    let string = |k: &str| str_of(ev, k).map(str::to_string);
    let mut s = Session {
        action,
        via,
        success: ev.get("success").and_then(Value::as_bool),
        failure: string("failure_message"),
        source_address: string("source_address"),
        graphical_session: int(ev.get("graphical_session_id")),
        ..Default::default()
    };
    match via {
        "su" | "sudo" => {
            s.user = string("from_username");
            s.uid = int(ev.get("from_uid"));
            s.to_user = string("to_username");
            s.to_uid = int(ev.get("to_uid"));
            s.command = string("command");
            if let Some(r) = obj(ev, "reject_info") {
                s.failure = str_of(r, "failure_message")
                    .or_else(|| str_of(r, "plugin_name"))
                    .map(str::to_string);
            }
        }
        "screensharing" => {
            s.user = string("session_username")
                .or_else(|| string("authentication_username"))
                .or_else(|| string("viewer_appleid"));
        }
        "" => return authentication(s, ev),
        _ => {
            s.user = string("username");
            s.uid = int(ev.get("uid"));
        }
    }
    if name == "openssh_login" && s.success == Some(false) {
        let r: Option<usize> = int(ev.get("result_type"));
        s.failure = r.and_then(|r| SSH_RESULTS.get(r)).map(|r| r.to_string());
    }
    let needs_user = matches!(via, "ssh" | "login" | "loginwindow" | "su");
    if needs_user && s.user.is_none() {
        return Err(format!("{name} without a user name"));
    }
    let needs_success =
        matches!(action, "attach" | "su" | "sudo") || (action == "login" && via != "loginwindow");
    if needs_success && s.success.is_none() {
        return Err(format!("{name} without success"));
    }
    Ok(s)
}

/// An `authentication`: its `type` names the arm of `data` that says who.
fn authentication(mut s: Session, ev: &Obj) -> Result<Session, String> {
    let kind = int::<usize>(ev.get("type")).and_then(|t| AUTH_KINDS.get(t));
    let Some(kind) = kind else {
        return Err("authentication of no known type".into());
    };
    if s.success.is_none() {
        return Err("authentication without success".into());
    }
    s.via = kind;
    let data = obj(ev, "data").and_then(|d| obj(d, kind));
    if let Some(d) = data {
        s.user = match *kind {
            "od" => text(d.get("record_name")),
            "token" => text(d.get("kerberos_principal")),
            "auto_unlock" => text(d.get("username")),
            _ => None,
        };
        s.uid = int(d.get("uid"));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(name: &str, json: &str) -> Option<Result<Session, String>> {
        parse(name, &serde_json::from_str(json).unwrap())
    }

    #[test]
    fn each_kind_says_who_how_and_whether_it_worked() {
        let ssh = of(
            "openssh_login",
            r#"{"success":false,"result_type":4,"source_address":"192.0.2.7","source_address_type":1,"username":"admin","uid":null}"#,
        );
        let ssh = ssh.unwrap().unwrap();
        assert_eq!((ssh.action, ssh.via), ("login", "ssh"));
        assert_eq!(ssh.user.as_deref(), Some("admin"));
        assert_eq!(ssh.uid, None);
        assert_eq!(ssh.success, Some(false));
        assert_eq!(ssh.failure.as_deref(), Some("auth_fail_passwd"));
        assert_eq!(ssh.source_address.as_deref(), Some("192.0.2.7"));
        let sudo = of(
            "sudo",
            r#"{"success":false,"reject_info":{"plugin_name":"sudoers","plugin_type":2,"failure_message":"user NOT in sudoers"},"from_uid":501,"from_username":"mara","to_uid":0,"to_username":"root","command":"/bin/cat /etc/master.passwd"}"#,
        );
        let sudo = sudo.unwrap().unwrap();
        assert_eq!((sudo.user.as_deref(), sudo.uid), (Some("mara"), Some(501)));
        assert_eq!(
            (sudo.to_user.as_deref(), sudo.to_uid),
            (Some("root"), Some(0))
        );
        assert_eq!(sudo.failure.as_deref(), Some("user NOT in sudoers"));
        assert_eq!(sudo.command.as_deref(), Some("/bin/cat /etc/master.passwd"));
        let unlock = of(
            "lw_session_unlock",
            r#"{"username":"mara","graphical_session_id":257}"#,
        );
        let unlock = unlock.unwrap().unwrap();
        assert_eq!((unlock.action, unlock.via), ("unlock", "loginwindow"));
        assert_eq!(
            (unlock.success, unlock.graphical_session),
            (None, Some(257))
        );
        let od = of(
            "authentication",
            r#"{"success":true,"type":0,"data":{"od":{"instigator":null,"record_type":0,"record_name":"mara","node_name":"/Local/Default","db_path":null}}}"#,
        );
        let od = od.unwrap().unwrap();
        assert_eq!(
            (od.action, od.via, od.user.as_deref()),
            ("authenticate", "od", Some("mara"))
        );
        let touch = of(
            "authentication",
            r#"{"success":true,"type":1,"data":{"touchid":{"instigator":null,"touchid_mode":0,"uid":501}}}"#,
        );
        assert_eq!(touch.unwrap().unwrap().uid, Some(501));
    }

    #[test]
    fn other_events_are_none_and_incomplete_ones_say_what_lacks() {
        assert!(of("exec", "{}").is_none());
        assert_eq!(
            of("openssh_login", r#"{"success":true}"#).unwrap(),
            Err("openssh_login without a user name".into())
        );
        assert_eq!(
            of("sudo", r#"{"from_username":"mara"}"#).unwrap(),
            Err("sudo without success".into())
        );
        assert_eq!(
            of("authentication", r#"{"success":true,"type":9}"#).unwrap(),
            Err("authentication of no known type".into())
        );
    }
}
