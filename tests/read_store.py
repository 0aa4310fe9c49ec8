"""Reads a trace store with pyarrow alone and checks it against docs/schema.md.

Usage: python3 tests/read_store.py STORE [FAMILY ...]   (default: every documented family)

For every family: all files are read as one dataset (hive partitions host=/date=), each
file must carry the documented trace.schema_version in its Parquet key/value metadata, and the columns and
types must be the ones documented in docs/schema.md. Prints `<family> columns=N rows=M`.
"""

import pathlib
import re
import sys

import pyarrow.dataset as ds
import pyarrow.parquet as pq

TYPES = {
    "timestamp": "timestamp[us]",
    "int16": "int16",
    "string": "string",
    "int32": "int32",
    "uint16": "uint16",
    "uint32": "uint32",
    "uint64": "uint64",
    "list<string>": "list<element: string>",
}


def documented(schema_md: str):
    """{family: [(column, type)]} from the tables of docs/schema.md."""
    out, family = {}, None
    for line in schema_md.splitlines():
        m = re.match(r"^### `(\w+)`", line)
        if m:
            family = m.group(1)
            out[family] = []
            continue
        m = re.match(r"^\| `(\w+)` \| `([^`]+)` \|", line)
        if m and family:
            out[family].append((m.group(1), m.group(2)))
    return out


def main() -> int:
    store = pathlib.Path(sys.argv[1])
    schema_md = (pathlib.Path(__file__).parent.parent / "docs" / "schema.md").read_text()
    docs = documented(schema_md)
    version = re.search(r"schema version \*\*(\d+)\*\*", schema_md).group(1).encode()
    wanted = set(sys.argv[2:]) or set(docs)
    failures = 0
    for family, cols in docs.items():
        if family not in wanted:
            continue
        files = sorted((store / family).glob("*/*/*.parquet"))
        if not files:
            print(f"{family}: no files", file=sys.stderr)
            failures += 1
            continue
        for f in files:
            meta = pq.read_metadata(f).metadata or {}
            if meta.get(b"trace.schema_version") != version:
                print(f"{f}: schema version {meta.get(b'trace.schema_version')}", file=sys.stderr)
                failures += 1
        dataset = ds.dataset(store / family, format="parquet", partitioning="hive")
        table = dataset.to_table()
        schema = {f.name: str(f.type) for f in dataset.schema}
        for name, typ in cols:
            want = TYPES.get(typ, typ)
            got = schema.get(name)
            if got is None or not got.startswith(want.split("<")[0]) or (
                want.startswith("list") and "string" not in got
            ):
                print(f"{family}.{name}: documented {typ}, file has {got}", file=sys.stderr)
                failures += 1
        extra = set(schema) - {c for c, _ in cols} - {"host", "date"}
        if extra:
            print(f"{family}: undocumented columns {sorted(extra)}", file=sys.stderr)
            failures += 1
        print(f"{family} columns={len(cols)} rows={table.num_rows}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
