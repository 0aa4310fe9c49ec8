//! One Sysmon `<Event>` document read into its `System` header and `EventData` fields.
//!
//! Real logs are messy, so values are read leniently: an entity the XML spec does not define
//! (`&nbsp;`), a lone `&`, a character reference to no character and an attribute value
//! that does not unescape are all kept as the raw text; control characters are kept; bytes
//! that are not UTF-8 become U+FFFD. What is structurally broken (a mismatched or unclosed
//! tag, a cut attribute) is an error: the event is skipped.

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesRef, BytesStart, Event as X};
use quick_xml::reader::Reader;

/// Deepest element nesting read (Sysmon's is 3).
const MAX_DEPTH: usize = 16;

/// What one event says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// `System/Provider/@Name`.
    pub provider: Option<String>,
    /// `System/EventID`.
    pub event_id: Option<String>,
    /// `System/Computer`.
    pub computer: Option<String>,
    /// `System/TimeCreated/@SystemTime`.
    pub time_created: Option<String>,
    /// `System/EventRecordID`.
    pub record_id: Option<String>,
    /// `EventData/Data`: (`@Name`, text) in document order.
    pub data: Vec<(String, String)>,
}

impl Parsed {
    /// The value of the `Data` named `name`; `None` when absent, empty or `-` (Sysmon's
    /// "no value").
    pub fn get(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !is_none(v))
    }
}

/// Whether Sysmon's text stands for no value.
pub fn is_none(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || v == "-"
}

/// Reads `xml` (one `<Event>…</Event>`).
pub fn parse(xml: &str) -> Result<Parsed, String> {
    let mut r = Reader::from_str(xml);
    let c = r.config_mut();
    c.allow_dangling_amp = true;
    c.check_end_names = true;
    let mut p = Parsed::default();
    // Local names of the open elements; the text of the current leaf.
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut data_name: Option<String> = None;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| format!("{e} (at byte {})", r.error_position()))?;
        match ev {
            X::Start(s) => {
                if path.len() >= MAX_DEPTH {
                    return Err(format!("elements nested deeper than {MAX_DEPTH}"));
                }
                let name = local(&s);
                if path.is_empty() && name != "Event" {
                    return Err(format!("the root element is <{name}>, not <Event>"));
                }
                open(&mut p, &path, &name, &s, &mut data_name);
                path.push(name);
                text.clear();
            }
            X::Empty(s) => {
                let name = local(&s);
                if path.is_empty() {
                    return Err(format!("an empty <{name}/> root"));
                }
                open(&mut p, &path, &name, &s, &mut data_name);
                close(&mut p, &path, &name, String::new(), &mut data_name);
            }
            X::End(_) => {
                let Some(name) = path.pop() else {
                    return Err("an end tag with no start".into());
                };
                close(
                    &mut p,
                    &path,
                    &name,
                    std::mem::take(&mut text),
                    &mut data_name,
                );
                if path.is_empty() {
                    return Ok(p);
                }
            }
            X::Text(t) => text.push_str(&t),
            X::CData(t) => text.push_str(&t),
            X::GeneralRef(g) => push_ref(&mut text, &g),
            X::Eof => {
                return Err(match path.last() {
                    Some(open) => format!("<{open}> is not closed"),
                    None => "no <Event> element".into(),
                });
            }
            X::Comment(_) | X::Decl(_) | X::PI(_) | X::DocType(_) => {}
        }
    }
}

fn local(s: &BytesStart) -> String {
    s.local_name().as_ref().to_string()
}

/// The value of the attribute `key` of `s`, unescaped, or as written when it does not
/// unescape.
fn attr(s: &BytesStart, key: &str) -> Option<String> {
    let mut attrs = s.attributes();
    attrs.with_checks(false);
    attrs.flatten().find_map(|a| {
        (a.key.local_name().as_ref() == key).then(|| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| a.value.clone().into_owned())
        })
    })
}

/// An element `name` opens under `path`: what its attributes say.
fn open(p: &mut Parsed, path: &[String], name: &str, s: &BytesStart, data: &mut Option<String>) {
    match (parent(path), name) {
        (Some("System"), "Provider") => p.provider = attr(s, "Name"),
        (Some("System"), "TimeCreated") => p.time_created = attr(s, "SystemTime"),
        (Some("EventData"), "Data") => {
            *data = Some(attr(s, "Name").unwrap_or_else(|| format!("Data{}", p.data.len())));
        }
        _ => {}
    }
}

/// An element `name` under `path` closes with `text`.
fn close(p: &mut Parsed, path: &[String], name: &str, text: String, data: &mut Option<String>) {
    let field = match (parent(path), name) {
        (Some("System"), "EventID") => &mut p.event_id,
        (Some("System"), "Computer") => &mut p.computer,
        (Some("System"), "EventRecordID") => &mut p.record_id,
        (Some("EventData"), "Data") => {
            if let Some(k) = data.take() {
                p.data.push((k, text));
            }
            return;
        }
        _ => return,
    };
    let t = text.trim();
    if !t.is_empty() {
        *field = Some(t.to_string());
    }
}

fn parent(path: &[String]) -> Option<&str> {
    path.last().map(String::as_str)
}

/// The text of `&name;`: the predefined entities and character references resolved, anything
/// else (`&nbsp;`, `&#0;`, `& b;`) kept as written.
fn push_ref(text: &mut String, g: &BytesRef) {
    let name: &str = g;
    let c = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => g.resolve_char_ref().ok().flatten(),
    };
    match c {
        Some(c) => text.push(c),
        None => {
            text.push('&');
            text.push_str(name);
            text.push(';');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(xml: &str) -> Vec<(String, String)> {
        parse(xml).unwrap().data
    }

    #[test]
    fn system_header_and_data_fields() {
        let p = parse(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
             <Provider Name=\"Linux-Sysmon\" Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/>\
             <EventID>11</EventID><TimeCreated SystemTime=\"2022-01-04T19:52:55.677224000Z\"/>\
             <EventRecordID>9</EventRecordID><Computer> web-1 </Computer></System>\
             <EventData><Data Name=\"Image\">/usr/bin/touch</Data><Data Name=\"RuleName\"/>\
             <Data>anonymous</Data></EventData></Event>",
        )
        .unwrap();
        assert_eq!(p.provider.as_deref(), Some("Linux-Sysmon"));
        assert_eq!(p.event_id.as_deref(), Some("11"));
        assert_eq!(p.computer.as_deref(), Some("web-1"));
        assert_eq!(p.record_id.as_deref(), Some("9"));
        assert_eq!(
            p.time_created.as_deref(),
            Some("2022-01-04T19:52:55.677224000Z")
        );
        assert_eq!(p.get("Image"), Some("/usr/bin/touch"));
        assert_eq!(p.get("RuleName"), None);
        assert_eq!(p.data[2], ("Data2".to_string(), "anonymous".to_string()));
    }

    #[test]
    fn bad_entities_and_control_characters_are_kept_as_written() {
        let d = data(
            "<Event><EventData><Data Name=\"A\">a &amp; b &lt;c&gt; &#x41;&#66;</Data>\
             <Data Name=\"B\">x&nbsp;y & z &#0; &bogus</Data>\
             <Data Name=\"C\">bell \u{7} tab\t</Data>\
             <Data Name=\"D&amp;\">'&quot;&apos;'</Data></EventData></Event>",
        );
        assert_eq!(d[0].1, "a & b <c> AB");
        assert_eq!(d[1].1, "x&nbsp;y & z &#0; &bogus");
        assert_eq!(d[2].1, "bell \u{7} tab\t");
        assert_eq!(d[3], ("D&".to_string(), "'\"''".to_string()));
        // An attribute value that does not unescape is kept raw.
        let d = data("<Event><EventData><Data Name=\"a&nbsp;b\">v</Data></EventData></Event>");
        assert_eq!(d[0].0, "a&nbsp;b");
    }

    #[test]
    fn structural_breakage_is_an_error() {
        for bad in [
            "<Event><System><EventID>1</System></Event>",
            "<Event><System>",
            "<Event><Data Name=\"x></Data></Event>",
            "<Other/>",
            "<Events><Event/></Events>",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("<Event>{}", "<a>".repeat(40));
        assert!(parse(&deep).unwrap_err().contains("deeper"));
    }
}
