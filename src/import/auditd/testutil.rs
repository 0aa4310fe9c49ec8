//! Fixture readers for the audit tests: files, lines, the aucoalesce YAML, flat JSON.

use std::iter::Peekable;
use std::str::Chars;

/// `testdata/fixtures/<rel>` under the crate root.
pub fn path(rel: &str) -> String {
    let root = option_env!("CARGO_MANIFEST_DIR").unwrap_or("/work/main");
    format!("{root}/testdata/fixtures/{rel}")
}

/// The text of a fixture file.
pub fn fixture(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The non-empty lines of a fixture file.
pub fn lines(rel: &str) -> Vec<String> {
    let text = fixture(rel);
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The fixture files in folder `rel` whose names end with `ext`, sorted.
pub fn files(rel: &str, ext: &str) -> Vec<String> {
    let dir = std::fs::read_dir(path(rel))
        .unwrap()
        .map(|e| e.unwrap().file_name());
    let names = dir
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext));
    let mut v: Vec<String> = names.map(|n| format!("{rel}/{n}")).collect();
    v.sort();
    v
}

/// The `tests:` map of an aucoalesce YAML file as (name, lines): `  name: |` (or `>`, only
/// used for a one-line block) followed by the block's lines indented by four spaces.
pub fn yaml_tests(rel: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in fixture(rel).lines() {
        let head = line
            .strip_suffix(": |")
            .or_else(|| line.strip_suffix(": >"));
        match (head, out.last_mut()) {
            (Some(name), _) if !line.starts_with("   ") => {
                out.push((name.trim().to_string(), Vec::new()))
            }
            (None, Some((_, block))) if line.starts_with("    type=") => {
                block.push(line.trim().to_string())
            }
            _ => {}
        }
    }
    out
}

/// Every raw audit line in the fixtures (logs, OTRF logs and YAML blocks).
pub fn all_lines() -> Vec<String> {
    let logs = ["auditd/auparse/testdata", "auditd/testdata", "otrf"];
    let mut v: Vec<String> = logs
        .iter()
        .flat_map(|d| files(d, ".log"))
        .flat_map(|f| lines(&f))
        .collect();
    for f in files("auditd/aucoalesce/testdata", ".yaml") {
        v.extend(yaml_tests(&f).into_iter().flat_map(|(_, b)| b));
    }
    v
}

/// A JSON document as (path, scalar) leaves in order; paths join keys and array indexes
/// with `.` (`3.event.process.args.0`); null is `null`. Panics on malformed input.
pub fn flat_json(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(&mut s.chars().peekable(), String::new(), &mut out);
    out
}

/// The leaf at `path`.
pub fn leaf<'a>(flat: &'a [(String, String)], path: &str) -> Option<&'a str> {
    flat.iter()
        .find(|(p, _)| p == path)
        .map(|(_, v)| v.as_str())
}

/// The leaves under `prefix.` as (rest of the path, value).
pub fn under<'a>(flat: &'a [(String, String)], prefix: &str) -> Vec<(&'a str, &'a str)> {
    let tail = |p: &'a String| p.strip_prefix(prefix)?.strip_prefix('.');
    flat.iter()
        .filter_map(|(p, v)| Some((tail(p)?, v.as_str())))
        .collect()
}

fn skip(it: &mut Peekable<Chars>) -> Option<char> {
    while it
        .next_if(|c| c.is_whitespace() || *c == ',' || *c == ':')
        .is_some()
    {}
    it.peek().copied()
}

fn walk(it: &mut Peekable<Chars>, path: String, out: &mut Vec<(String, String)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match skip(it) {
        Some(open @ ('{' | '[')) => {
            it.next();
            for i in 0.. {
                if matches!(skip(it), Some('}' | ']') | None) {
                    break;
                }
                let key = if open == '{' {
                    string(it)
                } else {
                    i.to_string()
                };
                walk(it, join(&key), out);
            }
            it.next();
        }
        Some('"') => out.push((path, string(it))),
        _ => {
            let scalar = |c: &char| c.is_alphanumeric() || "+-.".contains(*c);
            out.push((path, std::iter::from_fn(|| it.next_if(scalar)).collect()));
        }
    }
}

fn string(it: &mut Peekable<Chars>) -> String {
    let mut s = String::new();
    it.next();
    while let Some(c) = it.next().filter(|c| *c != '"') {
        let c = match (c, if c == '\\' { it.next() } else { None }) {
            (_, Some('n')) => '\n',
            (_, Some('t')) => '\t',
            (_, Some('r')) => '\r',
            (_, Some('u')) => {
                let hex: String = it.take(4).collect();
                char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap() // no surrogates in the goldens
            }
            (_, Some(e)) => e,
            (c, None) => c,
        };
        s.push(c);
    }
    s
}
