//! docs/schema.md documents exactly the schema: every family's table lists its columns, types
//! and OCSF names in order. On a mismatch the expected table is printed to paste in.

use arrow::datatypes::DataType;
use trace::schema::{Family, column_docs};

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Timestamp(_, _) => "timestamp".into(),
        DataType::Utf8 => "string".into(),
        DataType::List(f) => format!("list<{}>", type_name(f.data_type())),
        other => other.to_string().to_lowercase(),
    }
}

/// The markdown table docs/schema.md must contain for `family`.
pub fn expected_table(family: Family) -> String {
    let schema = family.schema();
    let mut s =
        String::from("| column | type | null | OCSF | description |\n|---|---|---|---|---|\n");
    for (field, doc) in schema.fields().iter().zip(column_docs(family)) {
        s.push_str(&format!(
            "| `{}` | `{}` | {} | `{}` | {} |\n",
            field.name(),
            type_name(field.data_type()),
            if field.is_nullable() { "yes" } else { "no" },
            doc.ocsf,
            doc.description
        ));
    }
    s
}

#[test]
fn schema_md_matches_the_arrow_schema() {
    let md = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.md"))
        .expect("docs/schema.md");
    let mut wrong = Vec::new();
    for f in Family::ALL {
        let section = format!("### `{}`\n\n{}", f.name(), expected_table(f));
        if !md.contains(&section) {
            wrong.push(section);
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/schema.md is out of date; expected these sections:\n\n{}",
        wrong.join("\n")
    );
    assert!(md.contains(&format!(
        "schema version **{}**",
        trace::schema::SCHEMA_VERSION
    )));
}
