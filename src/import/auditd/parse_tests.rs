use super::testutil::{all_lines, files, fixture, flat_json, leaf, lines, under};
use super::*;

/// `@timestamp` as go-libaudit writes it: RFC 3339 UTC, fraction zeros trimmed.
fn rfc3339(ns: i64) -> String {
    let (secs, ms) = (ns / 1_000_000_000, ns % 1_000_000_000 / 1_000_000);
    let z = secs / 86_400 + 719_468; // days → civil date (H. Hinnant), dates after 1970
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (d, m) = (
        doy - (153 * mp + 2) / 5 + 1,
        if mp < 10 { mp + 3 } else { mp - 9 },
    );
    let y = yoe + era * 400 + i64::from(m <= 2);
    let sod = secs % 86_400;
    let frac = format!(".{ms:03}");
    let frac = frac.trim_end_matches('0').trim_end_matches('.');
    let hms = format!("{:02}:{:02}:{:02}", sod / 3600, sod % 3600 / 60, sod % 60);
    format!("{y:04}-{m:02}-{d:02}T{hms}{frac}Z")
}

/// go-libaudit's `data[key]` for this record, or `None` where it enriches the value
/// (arch/syscall/exit/sig names, SELinux context split, `unset` ids): those are checked
/// through the reassembler's accessors instead.
fn expected(r: &Record, key: &str, want: &str) -> Option<Option<String>> {
    let sa = r
        .get("saddr")
        .and_then(decode_sockaddr)
        .filter(|_| r.rtype == "SOCKADDR");
    let ctx = key
        .split_once('_')
        .map(|(p, _)| p)
        .filter(|p| r.get(p).is_some());
    Some(match key {
        "arch" | "syscall" | "exit" | "sig" => return None,
        _ if matches!(ctx, Some("subj" | "obj")) => return None,
        "auid" | "old-auid" | "ses" if want == "unset" => {
            assert!(matches!(r.get(key), Some("4294967295" | "-1")));
            return None;
        }
        "result" => r.get("success").or(r.get("res")).map(|v| {
            let ok = v == "yes" || v == "1" || v.to_lowercase().starts_with("suc");
            (if ok { "success" } else { "fail" }).to_string()
        }),
        "family" | "addr" | "port" | "path" if sa.is_some() => {
            let sa = sa?;
            let family = sa.family_name().map(str::to_string);
            let family = family.or(Some(sa.family.to_string()));
            let addr = sa.ip.map(|ip| ip.to_string());
            let fields = [("family", family), ("addr", addr), ("path", sa.path)];
            let port = ("port", sa.port.map(|p| p.to_string()));
            fields.into_iter().chain([port]).find(|(k, _)| *k == key)?.1
        }
        _ => r.text(key),
    })
}

#[test]
fn auparse_goldens_match_field_by_field() {
    let (mut compared, mut records) = (0, 0);
    for log in files("auditd/auparse/testdata", ".log") {
        let golden = flat_json(&fixture(&format!("{log}.golden")));
        for (n, line) in lines(&log).iter().enumerate() {
            let parsed = parse_line(line, n as u64 + 1, 0);
            if leaf(&golden, &n.to_string()) == Some("null") {
                assert_eq!(parsed.unwrap_err().reason, "no msg=audit(…) header");
                continue;
            }
            let r = parsed.unwrap_or_else(|e| panic!("{log}:{n}: {e}"));
            let g = |k: &str| leaf(&golden, &format!("{n}.{k}")).unwrap().to_string();
            assert_eq!(r.rtype.to_lowercase(), g("record_type"), "{line}");
            assert_eq!(
                (r.serial.to_string(), rfc3339(r.time_ns)),
                (g("sequence"), g("@timestamp"))
            );
            let data = under(&golden, &format!("{n}.data"));
            for &(k, want) in &data {
                if let Some(got) = expected(&r, k, want) {
                    assert_eq!(got.as_deref(), Some(want), "{k} in {line}");
                    compared += 1;
                }
            }
            // No field that go-libaudit lacks, except those it folds into others.
            let folded = ["msg", "success", "res", "subj", "obj", "key", "saddr"];
            for (k, _) in r.text_fields() {
                let known = data.iter().any(|(n, _)| *n == k) || folded.contains(&k);
                assert!(known, "extra field {k} in {line}");
            }
            records += 1;
        }
        assert!(
            leaf(&golden, &lines(&log).len().to_string()).is_none(),
            "{log}"
        );
    }
    assert_eq!(records, 83);
    assert!(compared >= 680, "{compared}");
}

#[test]
fn line_forms_and_value_encodings() {
    let syslog = "Mar  1 10:00:00 h audispd: node=web1 type=SYSCALL msg=audit(1700000000.5:42): \
        exe=2F62696E2F7368 comm=\"dd\" key=(null)\x1dARCH=x86_64 UID=\"root\"";
    let user = "type=USER_LOGIN msg=audit(1.2:3): pid=1 msg='op=login \
        acct=28696E76616C6964207573657229 hostname=? addr=1.2.3.4 res=failed'\x1dUID=\"r\"";
    let execve = "type=EXECVE msg=audit(1.2:3): a0=\"x\" a1_len=6 a1[0]=616263 a1[1]=\"def\"";
    let syscall = "type=SYSCALL msg=audit(1.2:3): a1=10800 tty=(none)";
    let old = "type=LOGIN msg=audit(1.2:3): login pid=1 old auid=4294967295 new auid=0";
    let avc = "type=AVC msg=audit(1.2:3): avc:  denied  { read write } for  pid=1";
    // (line, key, Record::text): quoted text is never hex; bare is hex where the kernel
    // encodes the field.
    let cases = [
        (syslog, "exe", Some("/bin/sh")),
        (syslog, "comm", Some("dd")),
        (syslog, "key", None),
        (user, "acct", Some("(invalid user)")),
        (user, "hostname", None),
        (user, "addr", Some("1.2.3.4")),
        (user, "res", Some("failed")),
        (execve, "a1[0]", Some("abc")),
        (execve, "a1_len", Some("6")),
        (syscall, "a1", Some("10800")),
        (syscall, "tty", Some("(none)")),
        (old, "old_auid", Some("4294967295")),
        (old, "new_auid", Some("0")),
        (avc, "seperms", Some("read,write")),
    ];
    for (line, key, want) in cases {
        let r = parse_line(line, 1, 0).unwrap();
        assert_eq!(r.text(key).as_deref(), want, "{key} in {line}");
    }
    let r = parse_line(syslog, 7, 99).unwrap();
    let got = format!("{:?}", (&r.node, r.serial, r.line, r.offset, r.time_ns));
    assert_eq!(got, r#"(Some("web1"), 42, 7, 99, 1700000000500000000)"#);
    assert_eq!(
        (r.raw("key"), r.enriched("UID"), r.enriched("ARCH")),
        (Some("(null)"), Some("root"), Some("x86_64"))
    );
    let r = parse_line(user, 1, 0).unwrap();
    assert_eq!(
        (r.get("msg").unwrap().get(..15), r.enriched("UID")),
        (Some("op=login acct=2"), Some("r"))
    );
    let r = parse_line(
        "<13>audit[1]:type=1327 audit(1.001:3): proctitle=6C73002D6C00",
        1,
        0,
    );
    let r = r.unwrap();
    assert_eq!((r.rtype.as_str(), r.time_ns), ("PROCTITLE", 1_001_000_000));
    assert_eq!(proctitle_argv(r.raw("proctitle").unwrap()), ["ls", "-l"]);
    let r = parse_line("type=UNKNOWN[1307] msg=audit(1.2:3): cwd=\"/\"", 1, 0).unwrap();
    assert_eq!(
        (r.rtype.as_str(), parse_line(avc, 1, 0).unwrap().text),
        ("CWD", "avc: denied { read write } for".into())
    );
    let bad = [
        ("", "no type= field"),
        ("type=SYSCALL arch=x", "no msg=audit(…) header"),
        ("type=\"x\" msg=audit(1.2:3):", "bad record type"),
        ("type=SYSCALL msg=audit(12a.3:4): x=1", "bad timestamp"),
        (
            "type=SYSCALL msg=audit(99999999999999999.3:4):",
            "bad timestamp",
        ),
        ("type=SYSCALL msg=audit(1.3:-4):", "bad serial"),
        (
            "type=SYSCALL msg=audit(1.3:4294967296):",
            "serial out of range",
        ),
        ("type=SYSCALL msg=audit(1.3:", "truncated header"),
    ];
    for (line, reason) in bad {
        assert_eq!(parse_line(line, 1, 0).unwrap_err().reason, reason, "{line}");
    }
}

#[test]
fn value_decoders() {
    assert_eq!(decode_hex("4a4B"), Some(vec![0x4a, 0x4b]));
    assert_eq!((decode_hex("abc"), decode_hex("zz")), (None, None));
    let texts = [
        untangle("2F746D702F6120622063"),
        untangle("\"CAFE\""),
        untangle("(null)"),
        untangle("x y"),
    ];
    assert_eq!(texts, ["/tmp/a b c", "CAFE", "", "x y"]);
    assert_eq!(proctitle_argv("\"(sshd)\""), ["(sshd)"]);
    assert!(proctitle_argv("(null)").is_empty() && proctitle_argv("0000").is_empty());
    let cases = [
        (
            "02000050A9FEA9FE0000000000000000",
            "2 Some(169.254.169.254) Some(80) None",
        ),
        (
            "0A0000160000000000000000000000000000000000000001000000",
            "10 Some(::1) Some(22) None",
        ),
        ("01002F746D702F73000000", "1 None None Some(\"/tmp/s\")"),
        ("0100006162", "1 None None Some(\"@ab\")"),
        ("100000000000000000000000", "16 None None None"),
        ("0200", "2 None None None"),
    ];
    for (hex, want) in cases {
        let s = decode_sockaddr(hex).unwrap();
        assert_eq!(
            format!("{} {:?} {:?} {:?}", s.family, s.ip, s.port, s.path),
            want
        );
    }
    assert_eq!(
        (decode_sockaddr("02"), decode_sockaddr("xyz")),
        (None, None)
    );
}

#[test]
fn truncated_or_corrupted_lines_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13; // xorshift64, fixed seed
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut failed) = (0, 0);
    let mut check = |line: &str| match parse_line(line, 1, 0) {
        Ok(r) => {
            for (k, v) in &r.fields {
                let _ = (
                    r.text(k),
                    r.get(k),
                    untangle(v),
                    proctitle_argv(v),
                    decode_sockaddr(v),
                );
            }
            ok += 1;
        }
        Err(e) => failed += usize::from(!e.reason.is_empty()),
    };
    for line in all_lines() {
        line.char_indices().for_each(|(k, _)| check(&line[..k]));
        for _ in 0..40 {
            let mut b = line.clone().into_bytes();
            for _ in 0..1 + next() % 4 {
                let (i, r) = ((next() % b.len() as u64) as usize, next());
                let palette = b"\"'=()[]: \x1d\x00\xff\xc3";
                b[i] = if r.is_multiple_of(2) {
                    palette[(r / 2 % 13) as usize]
                } else {
                    (r >> 8) as u8
                };
            }
            check(&String::from_utf8_lossy(&b));
        }
    }
    assert!(ok > 10_000 && failed > 10_000, "{ok} {failed}");
}
