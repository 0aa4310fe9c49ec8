//! A validator for OCSF records, built from the OCSF metaschema source files (the core schema
//! at tag 1.8.0, in `testdata/schemas/ocsf-1.8.0`). It resolves what the OCSF server resolves:
//! `extends` chains of classes and objects, `$include`d profiles, per-class overrides of an
//! attribute's requirement, type, enum and profile, and object constraints. A record is checked
//! for: its class (`class_uid` = category × 1000 + class, `type_uid` = class × 100 + activity),
//! attributes the class or object does not define, each value's type (the primitive types of
//! `dictionary.json`, with port range and IP syntax), enum values, required attributes,
//! `at_least_one`/`just_one` constraints, nulls, and attributes from a profile the record's
//! `metadata.profiles` does not name.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

#[derive(Debug, Clone)]
struct Attr {
    ty: String,
    array: bool,
    required: bool,
    profile: Option<String>,
    enums: Option<HashSet<String>>,
    deprecated: bool,
}

#[derive(Debug, Clone, Default)]
struct Shape {
    attrs: BTreeMap<String, Attr>,
    at_least_one: Vec<String>,
    just_one: Vec<String>,
}

struct Class {
    name: String,
    category_uid: i64,
    shape: Shape,
}

pub struct Ocsf {
    /// Read back from Parquet: a `timestamp_t` is a timestamp there, which DuckDB's `to_json`
    /// writes as `YYYY-MM-DD HH:MM:SS.fff`.
    pub parquet_times: bool,
    root: PathBuf,
    dictionary: Map<String, Json>,
    types: Map<String, Json>,
    objects: HashMap<String, Shape>,
    classes: HashMap<i64, Class>,
}

fn read(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn names(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Ocsf {
    pub fn load(root: &Path) -> Ocsf {
        let dict = read(&root.join("dictionary.json"));
        let mut ocsf = Ocsf {
            parquet_times: false,
            root: root.to_path_buf(),
            dictionary: dict["attributes"].as_object().unwrap().clone(),
            types: dict["types"]["attributes"].as_object().unwrap().clone(),
            objects: HashMap::new(),
            classes: HashMap::new(),
        };
        let categories = read(&root.join("categories.json"));
        let mut files = HashMap::new();
        for e in walkdir::WalkDir::new(root.join("events")) {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "json") {
                let v = read(e.path());
                files.insert(v["name"].as_str().unwrap().to_string(), v);
            }
        }
        for v in files.values() {
            let Some(uid) = v["uid"].as_i64() else {
                continue;
            };
            let mut category = None;
            let mut at = Some(v);
            while let Some(c) = at {
                if let Some(name) = c["category"].as_str() {
                    category = Some(name.to_string());
                    break;
                }
                at = c["extends"].as_str().and_then(|p| files.get(p));
            }
            let Some(category) = category else { continue };
            let category_uid = categories["attributes"][&category]["uid"].as_i64().unwrap();
            let shape = ocsf.resolve_class(v, &files);
            let name = v["name"].as_str().unwrap().to_string();
            ocsf.classes.insert(
                category_uid * 1000 + uid,
                Class {
                    name,
                    category_uid,
                    shape,
                },
            );
        }
        ocsf
    }

    fn resolve_class(&self, v: &Json, files: &HashMap<String, Json>) -> Shape {
        let mut shape = match v["extends"].as_str() {
            Some(parent) => self.resolve_class(&files[parent], files),
            None => Shape::default(),
        };
        self.overlay(&mut shape, v);
        shape
    }

    fn object(&mut self, name: &str) -> Shape {
        if let Some(s) = self.objects.get(name) {
            return s.clone();
        }
        let v = read(&self.root.join("objects").join(format!("{name}.json")));
        let mut shape = match v["extends"].as_str() {
            Some(parent) => self.object(parent),
            None => Shape::default(),
        };
        self.overlay(&mut shape, &v);
        self.objects.insert(name.to_string(), shape.clone());
        shape
    }

    /// Lays a class's or object's own attributes (and its profiles') over its parent's.
    fn overlay(&self, shape: &mut Shape, v: &Json) {
        let attrs = v["attributes"].as_object().cloned().unwrap_or_default();
        for include in names(attrs.get("$include")) {
            let profile = read(&self.root.join(&include));
            let pname = profile["name"].as_str().unwrap().to_string();
            for (k, a) in profile["attributes"].as_object().unwrap() {
                self.merge(shape, k, a, Some(pname.clone()));
            }
        }
        for (k, a) in &attrs {
            if k != "$include" {
                self.merge(shape, k, a, None);
            }
        }
        if let Some(c) = v.get("constraints") {
            shape.at_least_one = names(c.get("at_least_one"));
            shape.just_one = names(c.get("just_one"));
        }
    }

    fn merge(&self, shape: &mut Shape, key: &str, a: &Json, profile: Option<String>) {
        let attr = shape.attrs.entry(key.to_string()).or_insert_with(|| {
            let d = self
                .dictionary
                .get(key)
                .unwrap_or_else(|| panic!("{key} is not in dictionary.json"));
            Attr {
                ty: d["type"].as_str().unwrap().to_string(),
                array: d["is_array"].as_bool().unwrap_or(false),
                required: false,
                profile: None,
                enums: enums(d.get("enum")),
                deprecated: d.get("@deprecated").is_some(),
            }
        });
        if profile.is_some() {
            attr.profile = profile;
        }
        if let Some(p) = a.get("profile") {
            attr.profile = p.as_str().map(str::to_string);
        }
        if let Some(r) = a["requirement"].as_str() {
            attr.required = r == "required";
        }
        if let Some(t) = a["type"].as_str() {
            attr.ty = t.to_string();
        }
        if let Some(b) = a["is_array"].as_bool() {
            attr.array = b;
        }
        // Enums merge: a class or object adds its values to the dictionary's (0 Unknown and
        // 99 Other stay valid everywhere), as the OCSF server merges them.
        if let Some(e) = enums(a.get("enum")) {
            attr.enums.get_or_insert_with(HashSet::new).extend(e);
        }
        if a.get("@deprecated").is_some() {
            attr.deprecated = true;
        }
    }

    /// Every problem with one record, each naming the attribute's path.
    pub fn check(&mut self, record: &Json) -> Vec<String> {
        let mut out = Vec::new();
        let Some(class_uid) = record["class_uid"].as_i64() else {
            return vec!["no class_uid".into()];
        };
        let Some(class) = self.classes.get(&class_uid) else {
            return vec![format!("class_uid {class_uid} is no OCSF class")];
        };
        let (category_uid, shape) = (class.category_uid, class.shape.clone());
        if record["category_uid"].as_i64() != Some(category_uid) {
            out.push(format!(
                "category_uid {} is not {category_uid} ({})",
                record["category_uid"], class.name
            ));
        }
        let activity = record["activity_id"].as_i64().unwrap_or(-1);
        if record["type_uid"].as_i64() != Some(class_uid * 100 + activity) {
            out.push(format!(
                "type_uid {} ≠ class_uid × 100 + activity_id",
                record["type_uid"]
            ));
        }
        let profiles: HashSet<String> = names(record["metadata"].get("profiles"))
            .into_iter()
            .collect();
        self.check_shape(&shape, record, "", &profiles, &mut out);
        out
    }

    fn check_shape(
        &mut self,
        shape: &Shape,
        v: &Json,
        path: &str,
        profiles: &HashSet<String>,
        out: &mut Vec<String>,
    ) {
        let Some(map) = v.as_object() else {
            out.push(format!("{path}: {v} is not an object"));
            return;
        };
        for (k, value) in map {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            match shape.attrs.get(k) {
                None => out.push(format!("{at}: no such attribute")),
                Some(a) => {
                    if let Some(p) = &a.profile
                        && !profiles.contains(p)
                    {
                        out.push(format!("{at}: of profile {p}, not in metadata.profiles"));
                    }
                    if a.deprecated {
                        out.push(format!("{at}: deprecated"));
                    }
                    self.check_value(&a.clone(), value, &at, profiles, out);
                }
            }
        }
        for (k, a) in &shape.attrs {
            let applies = a.profile.as_ref().is_none_or(|p| profiles.contains(p));
            if a.required && applies && !map.contains_key(k) {
                let at = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                out.push(format!("{at}: required, missing"));
            }
        }
        let present = |ks: &[String]| ks.iter().filter(|k| map.contains_key(*k)).count();
        if !shape.at_least_one.is_empty() && present(&shape.at_least_one) == 0 {
            out.push(format!("{path}: none of {:?}", shape.at_least_one));
        }
        if !shape.just_one.is_empty() && present(&shape.just_one) != 1 {
            out.push(format!("{path}: not just one of {:?}", shape.just_one));
        }
    }

    fn check_value(
        &mut self,
        a: &Attr,
        v: &Json,
        at: &str,
        profiles: &HashSet<String>,
        out: &mut Vec<String>,
    ) {
        if a.array {
            match v.as_array() {
                Some(items) => {
                    let one = Attr {
                        array: false,
                        ..a.clone()
                    };
                    for (i, item) in items.iter().enumerate() {
                        self.check_value(&one, item, &format!("{at}[{i}]"), profiles, out);
                    }
                }
                None => out.push(format!("{at}: {v} is not an array")),
            }
            return;
        }
        if v.is_null() {
            out.push(format!("{at}: null (leave the attribute out)"));
            return;
        }
        // The classification uids are checked against the class itself (in `check`).
        let classification = ["class_uid", "category_uid", "type_uid"].contains(&at);
        if let Some(enums) = a.enums.as_ref().filter(|_| !classification) {
            let key = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !enums.contains(&key) {
                out.push(format!("{at}: {v} is not one of its enum values"));
            }
        }
        if self.types.contains_key(&a.ty) || a.ty.ends_with("_t") {
            if let Err(e) = self.primitive(&a.ty, v) {
                out.push(format!("{at}: {v}: {e}"));
            }
        } else if a.ty == "object" {
            if !v.is_object() {
                out.push(format!("{at}: {v} is not an object"));
            }
        } else {
            let shape = self.object(&a.ty);
            self.check_shape(&shape, v, at, profiles, out);
        }
    }

    fn primitive(&self, ty: &str, v: &Json) -> Result<(), String> {
        if ty == "timestamp_t" && self.parquet_times {
            let ok = v.as_str().is_some_and(|s| {
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").is_ok()
            });
            return if ok {
                Ok(())
            } else {
                Err("not a Parquet timestamp".into())
            };
        }
        let def = self.types.get(ty);
        let base = def.and_then(|d| d["type"].as_str()).unwrap_or(ty);
        let ok = match base {
            "string_t" => v.is_string(),
            "integer_t" => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            "long_t" => v.is_i64() || v.is_u64(),
            "float_t" => v.is_number(),
            "boolean_t" => v.is_boolean(),
            "json_t" => true,
            other => return Err(format!("base type {other} unknown to the validator")),
        };
        if !ok {
            return Err(format!("not a {ty} ({base})"));
        }
        if let Some([lo, hi]) = def
            .and_then(|d| d["range"].as_array())
            .map(|r| [r[0].as_i64(), r[1].as_i64()])
            && let (Some(lo), Some(hi), Some(n)) = (lo, hi, v.as_i64())
            && !(lo..=hi).contains(&n)
        {
            return Err(format!("{ty} out of range {lo}..={hi}"));
        }
        match ty {
            "ip_t" if v.as_str().unwrap().parse::<std::net::IpAddr>().is_err() => {
                Err("not an IP address".into())
            }
            "uuid_t" if v.as_str().unwrap().len() != 36 => Err("not a UUID".into()),
            "datetime_t" if chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).is_err() => {
                Err("not RFC 3339".into())
            }
            _ => Ok(()),
        }
    }
}

fn enums(v: Option<&Json>) -> Option<HashSet<String>> {
    v.and_then(Json::as_object)
        .map(|m| m.keys().cloned().collect())
}
