//! Text for a terminal or a ticket that data cannot take over: recorded strings (an argv, a
//! path, a container name) may hold control bytes an attacker put there — `ESC ] 0;…BEL`
//! retitles the responder's terminal, `ESC [ 2J` clears it, `ESC [ 8m` hides what follows, a
//! carriage return overwrites a line. Every control character but newline and tab is shown
//! as a visible stand-in instead (`␛`, `␇`, `␍`, `\u{9b}`…); only trace's own colours
//! (the SGR sequences [`super::story::Style`] writes) pass, when colours are on.

use std::borrow::Cow;

/// The SGR codes trace itself writes (reset, bold, dim, bold red).
const OURS: [&str; 4] = ["0", "1", "2", "1;31"];

/// `s` with every control character made visible; with `colors`, trace's own SGR sequences
/// (`ESC [ code m` for the codes of [`OURS`]) are kept.
pub fn terminal_safe(s: &str, colors: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c);
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if colors
            && c == '\x1b'
            && let Some(len) = our_sgr(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if is_control(c) {
            visible(c, &mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The length of the SGR sequence of ours `s` starts with.
fn our_sgr(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\x1b[")?;
    let end = body.find('m')?;
    OURS.contains(&&body[..end]).then_some(2 + end + 1)
}

/// The visible stand-in of a control character: the Control Pictures glyph for C0 and DEL
/// (`␛` for ESC), `\u{…}` for the rest (C1, line and paragraph separators).
fn visible(c: char, out: &mut String) {
    let n = c as u32;
    match n {
        0..=0x1f => out.push(char::from_u32(0x2400 + n).unwrap_or('?')),
        0x7f => out.push('\u{2421}'),
        _ => out.push_str(&format!("\\u{{{n:x}}}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bells_and_returns_are_shown_not_obeyed() {
        let argv = "sh -c 'echo \x1b]0;pwned\x07\x1b[31mred\x1b[8mhidden\rover\u{9b}2J'";
        let s = terminal_safe(argv, false);
        assert!(!s.chars().any(|c| c.is_control()), "{s:?}");
        assert_eq!(s, "sh -c 'echo ␛]0;pwned␇␛[31mred␛[8mhidden␍over\\u{9b}2J'");
        // With colours on, only trace's own sequences pass.
        let ours = "\x1b[1;31mDRIFT\x1b[0m \x1b]0;x\x07 \x1b[8m";
        assert_eq!(
            terminal_safe(ours, true),
            "\x1b[1;31mDRIFT\x1b[0m ␛]0;x␇ ␛[8m"
        );
        assert_eq!(terminal_safe(ours, false), "␛[1;31mDRIFT␛[0m ␛]0;x␇ ␛[8m");
        // Newlines and tabs are layout; plain text is borrowed.
        assert!(matches!(terminal_safe("a\tb\nc", false), Cow::Borrowed(_)));
        assert_eq!(terminal_safe("naïve 日本", false), "naïve 日本");
    }
}
