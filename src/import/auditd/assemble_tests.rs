use super::super::parse::parse_line;
use super::super::parse::testutil as fx;
use super::*;

fn run(lines: &[String], window: usize) -> (Vec<AuditEvent>, Reassembler) {
    let (mut r, mut events) = (Reassembler::new(window), Vec::new());
    for (n, line) in lines.iter().enumerate() {
        events.extend(r.push(parse_line(line, n as u64 + 1, 0).unwrap()));
        assert!(r.in_flight() <= window);
    }
    events.extend(r.finish());
    (events, r)
}

/// `(serial, records)` of each event, and `late` ones marked with a `+`.
fn shape(events: &[AuditEvent]) -> String {
    let late = |e: &AuditEvent| if e.late { "+" } else { "" };
    let one = |e: &AuditEvent| format!("{}{}:{}", e.serial, late(e), e.records.len());
    events.iter().map(one).collect::<Vec<_>>().join(" ")
}

fn dbg(v: impl std::fmt::Debug) -> String {
    format!("{v:?}")
}

#[test]
fn go_libaudit_reassembler_logs() {
    let logs = [
        ("normal", 58, 0),
        ("out_of_order", 58, 0),
        ("lost_messages", 49, 9),
    ];
    for window in [5, DEFAULT_MAX_IN_FLIGHT] {
        for (log, first, lost) in logs {
            let (events, r) = run(&fx::lines(&format!("auditd/testdata/{log}.log")), window);
            assert_eq!(
                shape(&events),
                format!("{first}:2 59:5 60:5 61:4 62:1"),
                "{log}"
            );
            let counts = (r.lost(), r.resets(), r.late_events());
            assert_eq!(counts, (lost, 0, 0), "{log}");
            let same = |e: &AuditEvent| e.records.iter().all(|x| x.serial == e.serial);
            assert!(events.iter().all(same));
        }
        let (events, r) = run(&fx::lines("auditd/testdata/rollover.log"), window);
        assert_eq!(shape(&events), "4294967294:1 4294967295:1 0:1 1:1 2:1");
        assert_eq!((r.lost(), r.resets()), (0, 0));
    }
    let (events, r) = run(&fx::lines("auditd/testdata/lost_messages.log"), 64);
    let (from_ns, to_ns) = (1_492_037_289_295_000_000, 1_492_037_291_036_000_000);
    let (after_serial, before_serial, missing) = (49, 59, 9);
    let gap = Gap {
        node: None,
        after_serial,
        before_serial,
        from_ns,
        to_ns,
        missing,
    };
    assert_eq!((r.gaps(), events[1].first_line()), (&[gap][..], 3));
    let (events, _) = run(&fx::lines("auditd/testdata/out_of_order.log"), 64);
    let e = &events[3]; // 61: its PATH comes after serial 62 began
    let got = dbg((e.syscall_name(), e.cwd(), e.first_line()));
    assert_eq!(got, r#"(Some("connect"), Some("/var/spool/postfix"), 12)"#);
    assert_eq!(e.sockaddr().and_then(|s| s.path).unwrap(), "public/pickup");
    let exe = events[0].exe().unwrap();
    assert_eq!(exe, "/usr/bin/python2.7;58d1ccfb (deleted)");
}

/// Runs `script` through a reassembler: each `<U|S|P><serial>[@<sec>]` pushes a USER_CMD
/// (done at once), SYSCALL or PATH record (time `sec`, default 1).
fn script(window: usize, script: &str) -> (String, Reassembler) {
    let (mut r, mut out) = (Reassembler::new(window), Vec::new());
    for tok in script.split_whitespace() {
        let (ty, rest) = tok.split_at(1);
        let (serial, sec) = rest.split_once('@').unwrap_or((rest, "1"));
        let ty = [("U", "USER_CMD"), ("S", "SYSCALL"), ("P", "PATH")]
            .iter()
            .find(|t| t.0 == ty);
        let line = format!(
            "type={} msg=audit({sec}.000:{serial}): pid=1",
            ty.unwrap().1
        );
        out.extend(r.push(parse_line(&line, 1, 0).unwrap()));
    }
    out.extend(r.finish());
    (shape(&out), r)
}

#[test]
fn loss_late_and_restart_accounting() {
    let cases = [
        // Unordered but complete (go-libaudit TestUnorderedSequencesNoLostEvents).
        (5, "U2 U1 U3", "2:1 1+:1 3:1", 0, 0),
        // Not done yet: sorted in the window instead.
        (5, "S2 S1 S3", "1:1 2:1 3:1", 0, 0),
        // Late events refill the gap, and the same serial twice refills it once.
        (5, "U1 U3 U2 P2", "1:1 3:1 2+:1 2+:1", 0, 0),
        // A real gap, counted once (TestLostEventsOnClear), also across the rollover.
        (5, "U1 U3", "1:1 3:1", 1, 0),
        (5, "U4294967293 U3", "4294967293:1 3:1", 5, 0),
        // Reboot: the serial restarts while time moves on: neither lost nor late.
        (
            5,
            "U500@10 S501@10 U1@99 U2@99",
            "500:1 501:1 1:1 2:1",
            0,
            1,
        ),
        // Old format: events leave by the window; a straggler is late.
        (2, "S10 S11 S12 S13 P10", "10:1 11:1 10+:1 12:1 13:1", 0, 0),
    ];
    for (window, recs, events, lost, resets) in cases {
        let (got, r) = script(window, recs);
        assert_eq!(
            (got.as_str(), r.lost(), r.resets()),
            (events, lost, resets),
            "{recs}"
        );
    }
    // EOE ends an event and is not kept; user records are done at once.
    let mut r = Reassembler::new(64);
    let mut push = |line: &str| r.push(parse_line(line, 1, 0).unwrap()).len();
    assert_eq!(push("type=SYSCALL msg=audit(1.0:7): pid=1"), 0);
    assert_eq!(push("type=EOE msg=audit(1.0:7):"), 1);
    assert_eq!(push("type=UNKNOWN[2100] msg=audit(1.0:8): pid=1"), 1);
    // Nodes are separate serial spaces.
    assert_eq!(push("node=a type=SYSCALL msg=audit(1.0:5): pid=1"), 0);
    assert_eq!(push("node=b type=SYSCALL msg=audit(1.0:5): pid=2"), 0);
    let ev = r.finish();
    let got = (ev.len(), ev[1].node.as_deref(), ev[1].pid(), r.lost());
    assert_eq!(got, (2, Some("b"), Some(2), 0));
}

/// Every aucoalesce golden event: serial, process pid/ppid/exe/cwd/name/title/args,
/// syscall name, result, rule keys, source/destination ip+port. Not compared: the
/// summary, category, ECS, user-name and SELinux blocks and `file` (go-libaudit's
/// mapping, not parsed fields); `title`/`args` where the golden has none; the tags of the
/// TIME_ADJNTPVAL events, where go-libaudit reads `key=(null)ARCH=x86_64` (its 0x1d lost)
/// as key `x86_64`.
#[test]
fn aucoalesce_goldens_match() {
    let mut checked = 0;
    for yaml in fx::files("auditd/aucoalesce/testdata", ".yaml") {
        let golden = fx::flat_json(&fx::fixture(&yaml.replace(".yaml", ".json.golden")));
        for (name, block) in fx::yaml_tests(&yaml) {
            let (ev, _) = run(&block, DEFAULT_MAX_IN_FLIGHT);
            let kept = block.iter().filter(|l| !l.starts_with("type=EOE")).count();
            assert_eq!(shape(&ev), format!("{}:{kept}", ev[0].serial), "{name}");
            let e = &ev[0];
            let n = golden
                .iter()
                .find(|(p, v)| p.ends_with(".test_name") && *v == name);
            let n = n.unwrap().0.trim_end_matches(".test_name");
            let at = |k: &str| format!("{n}.event.{k}");
            let want = |k: &str| fx::leaf(&golden, &at(k)).map(str::to_string);
            let list = |k: &str| fx::under(&golden, &at(k)).into_iter().map(|(_, v)| v);
            let list = |k: &str| list(k).map(str::to_string).collect::<Vec<_>>();
            let num = |v: Option<i64>| v.map(|n| n.to_string());
            assert_eq!(Some(e.serial.to_string()), want("sequence"), "{name}");
            assert_eq!(num(e.pid()), want("process.pid"), "{name}");
            assert_eq!(num(e.ppid()), want("process.ppid"), "{name}");
            assert_eq!(e.exe(), want("process.exe"), "{name}");
            assert_eq!(e.cwd(), want("process.cwd"), "{name}");
            if let Some(comm) = want("process.name") {
                assert_eq!(e.comm(), Some(comm), "{name}");
            }
            if let Some(title) = want("process.title") {
                assert_eq!(e.proctitle().join(" "), title, "{name}");
            }
            if want("process.args.0").is_some() {
                assert_eq!(e.argv(), list("process.args"), "{name}");
            }
            if let Some(sc) = want("data.syscall").filter(|_| e.syscall_name().is_some()) {
                assert_eq!(e.syscall_name(), Some(sc.as_str()), "{name}");
            }
            if let Some(res) = want("result").filter(|r| r != "unknown") {
                assert_eq!(e.success(), Some(res == "success"), "{name}");
            }
            if !e.records.iter().any(|r| !r.enriched.is_empty()) {
                assert_eq!(e.keys(), list("tags"), "{name}");
            }
            for (side, call) in [("source", "accept"), ("destination", "connect")] {
                let Some(ip) = want(&format!("{side}.ip")) else {
                    continue;
                };
                let sa = e.sockaddr();
                let got = sa.as_ref().and_then(|s| s.ip).or(e.addr());
                assert_eq!(got.map(|i| i.to_string()), Some(ip), "{name}");
                let port = sa.as_ref().and_then(|s| s.port).map(|p| p.to_string());
                assert_eq!(port, want(&format!("{side}.port")), "{name}");
                assert!(sa.is_none() || e.syscall_name() == Some(call), "{name}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 48);
}

#[test]
fn otrf_execve_events() {
    let (arp, r) = run(&fx::lines("otrf/sh_arp_cache_2020-11-10074812.log"), 64);
    let (dd, _) = run(
        &fx::lines("otrf/sh_binary_padding_dd_2020-11-10081941.log"),
        64,
    );
    assert_eq!(
        (shape(&arp), shape(&dd), r.lost()),
        ("92733:6 92734:6".into(), "93777:6".into(), 0)
    );
    let argv: Vec<String> = arp.iter().chain(&dd).map(|e| e.argv().join(" ")).collect();
    assert_eq!(
        argv,
        ["arp -a", "grep -v ^?", "dd if=/dev/zero bs=1 count=1"]
    );
    let e = &arp[0];
    assert_eq!(
        dbg((e.pid(), e.ppid(), e.ses())),
        "(Some(1631), Some(29002), Some(104))"
    );
    assert_eq!([e.uid(), e.auid(), e.euid(), e.gid()], [Some(1000); 4]);
    let text = [e.exe(), e.comm(), e.cwd()].map(Option::unwrap);
    assert_eq!(text, ["/usr/sbin/arp", "arp", "/home/wardog"]);
    let got = dbg((e.syscall_name(), e.success(), e.exit(), e.key()));
    assert_eq!(got, r#"(Some("execve"), Some(true), Some(0), None)"#);
    assert_eq!(
        (e.proctitle(), dd[0].time_ns),
        (e.argv(), 1_604_996_384_965_000_000)
    );
    let p = &e.paths()[0];
    let got = dbg((
        p.item,
        &p.name,
        &p.nametype,
        p.mode,
        p.inode,
        &p.dev,
        p.ouid,
    ));
    let want = r#"(Some(0), Some("/usr/sbin/arp"), Some("NORMAL"), Some(33261), Some(13181), Some("08:01"), Some(0))"#;
    assert_eq!((got.as_str(), p.mode), (want, Some(0o100755)));
}

#[test]
fn split_execve_args_keys_and_ipv6() {
    let lines = [
        "type=SYSCALL msg=audit(1.0:9): arch=c00000b7 syscall=221 key=65786563013634626974",
        "type=EXECVE msg=audit(1.0:9): argc=3 a0=\"sh\" a1_len=10 a1[0]=2D6320 a1[1]=\"echo hi\"",
        "type=EXECVE msg=audit(1.0:9): a2=\"x\" a3=\"beyond argc\" a18446744073709551615=\"\"",
        "type=SOCKADDR msg=audit(1.0:9): saddr=0A0000160000000000000000000000000000000000000001",
        "type=EOE msg=audit(1.0:9):",
    ];
    let (ev, _) = run(&lines.map(str::to_string), 64);
    let e = &ev[0];
    assert_eq!(
        (shape(&ev), e.argv().join("|")),
        ("9:4".into(), "sh|-c echo hi|x".into())
    );
    assert_eq!(
        (e.syscall_name(), e.keys().join(",")),
        (Some("execve"), "exec,64bit".into())
    );
    let sa = e.sockaddr().unwrap();
    assert_eq!(
        (sa.ip.unwrap().to_string(), sa.port),
        ("::1".into(), Some(22))
    );
}

#[test]
fn corrupted_fixtures_never_panic_and_stay_bounded() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13; // xorshift64, fixed seed
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut r, mut events) = (Reassembler::new(4), Vec::new());
    for line in fx::all_lines() {
        for _ in 0..30 {
            let mut b = line.clone().into_bytes();
            b.truncate((next() % (b.len() as u64 + 1)) as usize);
            for _ in 0..next() % 3 {
                let at = (next() % b.len().max(1) as u64) as usize;
                if let Some(c) = b.get_mut(at) {
                    *c = b"\"'=: \x1d0a[]"[(next() % 10) as usize];
                }
            }
            if let Ok(rec) = parse_line(&String::from_utf8_lossy(&b), 1, 0) {
                events.extend(r.push(rec));
            }
            assert!(r.in_flight() <= 4);
        }
    }
    events.extend(r.finish());
    assert!(events.len() > 1000);
    for e in &events {
        let _ = (e.argv(), e.paths(), e.sockaddr(), e.keys(), e.cwd());
        let _ = (e.pid(), e.ppid(), e.uid(), e.auid(), e.euid(), e.gid());
        let _ = (e.ses(), e.comm(), e.syscall_name(), e.exe(), e.addr());
        let _ = (e.success(), e.exit(), e.first_offset());
    }
}
