//! The shape of an exported record, written once as a tree and rendered to one DuckDB
//! `SELECT` list: nested objects become struct literals, so that DuckDB builds the nesting and
//! the writers (JSON lines, Parquet) only serialise what they are handed.
//!
//! Every expression here is trusted SQL made from the store's own column names; user values
//! never reach it (they are bound parameters of the `WHERE` clause).

use std::fmt::Write as _;

/// One attribute of an exported record.
#[derive(Debug, Clone)]
pub enum Node {
    /// A trusted SQL expression.
    Expr(String),
    /// An object, NULL (so absent) when `present` is NULL: `present` names what the object
    /// stands for, so that an object is never written empty.
    Obj {
        /// The attributes, in output order.
        fields: Vec<(&'static str, Node)>,
        /// NULL when the object is absent; `None`: always present.
        present: Option<String>,
    },
    /// A list of one object, absent when the object is.
    One(Box<Node>),
}

/// A trusted SQL expression.
pub fn x(sql: impl Into<String>) -> Node {
    Node::Expr(sql.into())
}

/// An object that is always present.
pub fn obj(fields: Vec<(&'static str, Node)>) -> Node {
    Node::Obj {
        fields,
        present: None,
    }
}

/// An object present when `present` (SQL) is not NULL.
pub fn obj_if(present: impl Into<String>, fields: Vec<(&'static str, Node)>) -> Node {
    Node::Obj {
        fields,
        present: Some(present.into()),
    }
}

/// A list holding `node` (an [`obj_if`]), absent when `node` is.
pub fn one(node: Node) -> Node {
    Node::One(Box::new(node))
}

impl Node {
    /// What an object's presence rests on (`None`: always present, or not an object).
    pub fn present(&self) -> Option<&str> {
        match self {
            Node::Obj { present, .. } => present.as_deref(),
            _ => None,
        }
    }

    /// The SQL expression of this node.
    pub fn sql(&self) -> String {
        match self {
            Node::Expr(e) => e.clone(),
            Node::Obj { fields, present } => {
                let mut s = String::from("{");
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "'{k}': {}", v.sql());
                }
                s.push('}');
                match present {
                    Some(p) => format!("CASE WHEN ({p}) IS NULL THEN NULL ELSE {s} END"),
                    None => s,
                }
            }
            Node::One(inner) => match inner.as_ref() {
                Node::Obj {
                    present: Some(p), ..
                } => format!(
                    "CASE WHEN ({p}) IS NULL THEN NULL ELSE [{}] END",
                    inner.sql()
                ),
                other => format!("[{}]", other.sql()),
            },
        }
    }
}

/// The `SELECT` list of a record: one column per top-level attribute.
pub fn select_list(top: &[(&'static str, Node)]) -> String {
    top.iter()
        .map(|(k, v)| format!("{} AS \"{k}\"", v.sql()))
        .collect::<Vec<_>>()
        .join(",\n       ")
}

/// `CASE <expr> WHEN 'a' THEN 'A' … ELSE <default> END` from a table of trusted literals.
pub fn case(expr: &str, arms: &[(&str, String)], default: &str) -> String {
    let mut s = format!("CASE {expr}");
    for (when, then) in arms {
        let _ = write!(s, " WHEN '{when}' THEN {then}");
    }
    let _ = write!(s, " ELSE {default} END");
    s
}

/// The last component of a path (Linux or Windows), for OCSF/ECS `file.name`.
pub fn basename(expr: &str) -> String {
    format!("regexp_extract({expr}, '[^/\\\\]*$')")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_nest_and_absent_ones_are_null() {
        let n = obj(vec![
            ("a", x("1")),
            (
                "b",
                obj_if(
                    "e.pid",
                    vec![
                        ("pid", x("e.pid")),
                        ("c", one(obj_if("e.x", vec![("v", x("e.x"))]))),
                    ],
                ),
            ),
        ]);
        assert_eq!(
            n.sql(),
            "{'a': 1, 'b': CASE WHEN (e.pid) IS NULL THEN NULL ELSE {'pid': e.pid, 'c': CASE WHEN (e.x) IS NULL THEN NULL ELSE [CASE WHEN (e.x) IS NULL THEN NULL ELSE {'v': e.x} END] END} END}"
        );
        assert_eq!(
            select_list(&[("time", x("e.time")), ("@timestamp", x("t"))]),
            "e.time AS \"time\",\n       t AS \"@timestamp\""
        );
        assert_eq!(
            case("e.kind", &[("a", "1".into())], "0"),
            "CASE e.kind WHEN 'a' THEN 1 ELSE 0 END"
        );
    }
}
