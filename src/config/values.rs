//! The typed values of the configuration file, each checked where it is read so that a bad
//! value is reported with its file, line and key (or its environment variable): durations
//! (`90d`), sizes (`50G`), the export formats, the collector's mode, bounded integers and the
//! collector's watched path prefixes.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A duration written as a number and a unit: `90s`, `30m`, `12h`, `7d`, `2w` (the form the
/// command line's `--since 7d` takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age(pub Duration);

impl Age {
    /// Reads `90s`, `30m`, `12h`, `7d` or `2w`.
    pub fn parse(s: &str) -> Result<Age, String> {
        match crate::timefmt::parse_duration_ns(s) {
            Some(Ok(ns)) if ns > 0 => Ok(Age(Duration::from_nanos(ns as u64))),
            Some(Ok(_)) => Err(format!("\"{s}\": a duration must be more than 0")),
            Some(Err(e)) => Err(e),
            None => Err(format!(
                "\"{s}\": expected a duration such as \"90s\", \"30m\", \"12h\", \"90d\" or \"2w\""
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Age {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Age::parse(&s).map_err(de::Error::custom)
    }
}

/// A size in bytes: a number with an optional unit `K`, `M`, `G` or `T` (also `KiB` … `TiB`),
/// each 1024 times the one before (as `du -h` and `df -h` print them): `50G`, `512M`, `1T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl Size {
    /// Reads `50G`, `512MiB`, `1T` or a plain number of bytes.
    pub fn parse(s: &str) -> Result<Size, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let shift = match unit.trim_start() {
            "" | "B" => 0,
            "K" | "KiB" => 10,
            "M" | "MiB" => 20,
            "G" | "GiB" => 30,
            "T" | "TiB" => 40,
            _ => {
                return Err(format!(
                    "\"{s}\": expected a size such as \"50G\", \"512M\" or \"1T\" (units K, M, G, T: powers of 1024)"
                ));
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("\"{s}\": expected a number before the unit, as in \"50G\""))?;
        n.checked_mul(1u64 << shift)
            .filter(|b| *b > 0)
            .map(Size)
            .ok_or_else(|| format!("\"{s}\": a size must be more than 0 and below 16 EiB"))
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as \"50G\" or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Size, E> {
                Size::parse(s).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Size, E> {
                Size::parse(&n.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Size, E> {
                Size::parse(&n.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// What `trace export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// OCSF events, one JSON object per line.
    OcsfJsonl,
    /// OCSF events in Parquet files.
    OcsfParquet,
    /// Elastic Common Schema documents, one per line.
    EcsJsonl,
    /// The store's columns as CSV.
    Csv,
}

impl ExportFormat {
    /// Every format, in the order the documentation lists them.
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::OcsfJsonl,
        ExportFormat::OcsfParquet,
        ExportFormat::EcsJsonl,
        ExportFormat::Csv,
    ];

    /// The name the configuration file and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::OcsfJsonl => "ocsf-jsonl",
            ExportFormat::OcsfParquet => "ocsf-parquet",
            ExportFormat::EcsJsonl => "ecs-jsonl",
            ExportFormat::Csv => "csv",
        }
    }
}

/// Where the collector's events come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectorMode {
    /// eBPF when it loads, else polling /proc (saying why).
    Auto,
    /// eBPF only: fail when the programs cannot load.
    Ebpf,
    /// Poll /proc only.
    Procfs,
}

/// An integer in `LO..=HI`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const LO: u64, const HI: u64>(pub u64);

impl<const LO: u64, const HI: u64> Bounded<LO, HI> {
    /// The smallest value allowed.
    pub const MIN: u64 = LO;
    /// The largest value allowed.
    pub const MAX: u64 = HI;
}

impl<'de, const LO: u64, const HI: u64> Deserialize<'de> for Bounded<LO, HI> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        if (LO..=HI).contains(&n) {
            Ok(Bounded(n))
        } else {
            Err(de::Error::custom(format!(
                "{n} is out of range: expected {LO} to {HI}"
            )))
        }
    }
}

/// Path prefixes whose read-only opens the collector records: absolute, at least 8 bytes
/// each (a shorter prefix such as `/etc` would record nearly every open on the host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadWatch(pub Vec<String>);

impl<'de> Deserialize<'de> for ReadWatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<WatchPrefix>::deserialize(d)?;
        Ok(ReadWatch(v.into_iter().map(|w| w.0).collect()))
    }
}

/// One prefix of [`ReadWatch`], checked on its own so that an error points at it.
struct WatchPrefix(String);

impl<'de> Deserialize<'de> for WatchPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = String::deserialize(d)?;
        if !w.starts_with('/') || w.len() < 8 {
            return Err(de::Error::custom(format!(
                "\"{w}\": expected an absolute path prefix of at least 8 bytes"
            )));
        }
        Ok(WatchPrefix(w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_the_command_line_durations() {
        assert_eq!(
            Age::parse("90d").unwrap().0,
            Duration::from_secs(90 * 86_400)
        );
        assert_eq!(
            Age::parse("2w").unwrap().0,
            Duration::from_secs(14 * 86_400)
        );
        assert_eq!(Age::parse("30m").unwrap().0, Duration::from_secs(1_800));
        for bad in ["", "90", "d", "90y", "0d", "-5d", "99999999999999999999d"] {
            assert!(Age::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_are_powers_of_1024() {
        assert_eq!(Size::parse("50G").unwrap().0, 50 << 30);
        assert_eq!(Size::parse("512MiB").unwrap().0, 512 << 20);
        assert_eq!(Size::parse("1T").unwrap().0, 1 << 40);
        assert_eq!(Size::parse("4096").unwrap().0, 4096);
        for bad in ["", "G", "50GB", "50 gigs", "0", "-1G", "99999999999T"] {
            assert!(Size::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn export_format_names_are_the_serde_names() {
        for f in ExportFormat::ALL {
            let v: ExportFormat = ExportFormat::deserialize(de::value::StrDeserializer::<
                de::value::Error,
            >::new(f.name()))
            .unwrap();
            assert_eq!(v, f);
        }
    }
}
