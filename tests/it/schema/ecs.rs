//! A validator for ECS documents, from ECS's own field list (`generated/ecs/ecs_flat.yml` at
//! v9.4.0, reduced by `scripts/ecs-fields.py` to `testdata/schemas/ecs-9.4.0/fields.tsv`: name,
//! type, whether ECS normalises it to an array, whether it is required). A document is checked
//! for: every leaf a field ECS defines (below an `object` or `flattened` field anything goes,
//! but `labels` values are keywords), each value of its field's type, arrays only where ECS
//! expects them, no nulls, and the required fields.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;

struct Field {
    ty: String,
    array: bool,
}

pub struct Ecs {
    fields: HashMap<String, Field>,
    required: Vec<String>,
}

impl Ecs {
    pub fn load(tsv: &Path) -> Ecs {
        let text = std::fs::read_to_string(tsv).unwrap();
        let (mut fields, mut required) = (HashMap::new(), Vec::new());
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.get(3) == Some(&"required") {
                required.push(cols[0].to_string());
            }
            fields.insert(
                cols[0].to_string(),
                Field {
                    ty: cols[1].to_string(),
                    array: cols[2] == "array",
                },
            );
        }
        Ecs { fields, required }
    }

    /// Every problem with one document, each naming the field.
    pub fn check(&self, doc: &Json) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        self.walk(doc, "", &mut seen, &mut out);
        for r in &self.required {
            if !seen.contains(r) {
                out.push(format!("{r}: required, missing"));
            }
        }
        out
    }

    fn walk(&self, v: &Json, path: &str, seen: &mut Vec<String>, out: &mut Vec<String>) {
        if let Some(f) = self.fields.get(path) {
            seen.push(path.to_string());
            return self.value(f, v, path, out);
        }
        match v {
            Json::Object(map) => {
                for (k, child) in map {
                    let at = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    self.walk(child, &at, seen, out);
                }
            }
            _ => out.push(format!("{path}: not an ECS field")),
        }
    }

    fn value(&self, f: &Field, v: &Json, at: &str, out: &mut Vec<String>) {
        match (f.ty.as_str(), v) {
            (_, Json::Null) => out.push(format!("{at}: null (leave the field out)")),
            ("object", Json::Object(m)) if at == "labels" => {
                for (k, l) in m {
                    if !l.is_string() {
                        out.push(format!("labels.{k}: {l} is not a keyword"));
                    }
                }
            }
            ("object" | "flattened", Json::Object(_)) => {}
            ("nested", Json::Array(items)) if items.iter().all(Json::is_object) => {}
            (_, Json::Array(items)) => {
                if !f.array {
                    out.push(format!(
                        "{at}: an array, but ECS does not normalise it to one"
                    ));
                }
                for item in items {
                    self.scalar(&f.ty, item, at, out);
                }
            }
            (ty, v) => self.scalar(ty, v, at, out),
        }
    }

    fn scalar(&self, ty: &str, v: &Json, at: &str, out: &mut Vec<String>) {
        let ok = match ty {
            "keyword" | "wildcard" | "constant_keyword" | "match_only_text" | "text" => {
                v.is_string()
            }
            "long" | "integer" | "short" | "byte" => v.is_i64() || v.is_u64(),
            "float" | "double" | "scaled_float" => v.is_number(),
            "boolean" => v.is_boolean(),
            "ip" => v
                .as_str()
                .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
            "date" => v
                .as_str()
                .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            "geo_point" => v.is_object() || v.is_string(),
            _ => false,
        };
        if !ok {
            out.push(format!("{at}: {v} is not of ECS type {ty}"));
        }
    }
}
