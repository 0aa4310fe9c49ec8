#!/usr/bin/env python3
"""The JSON-lines baseline of scripts/bench_story.sh: replays every SQL statement one
`trace story` ran (recorded with TRACE_SQL_LOG, parameters included) with DuckDB (the Python
wheel of the DuckDB version trace bundles) over the same events as JSON lines, and checks
that each statement returns as many rows as it did in trace.

    bench_story_json.py EVENTS.jsonl STORE SQL_LOG

Views: `events` reads the JSON lines (typed columns, no sampling), `process`/`file`/`network`
are its families, the side tables (a few thousand rows) are JSON lines exported from STORE
with `trace query`, and `hosts`/`containers` are folded by the same SQL trace uses (read from
src/query/mod.rs). Prints the total in ms on stdout, one line per statement on stderr.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import duckdb

jsonl, store, log = sys.argv[1], sys.argv[2], sys.argv[3]
trace = os.environ.get("TRACE", "trace")
if not duckdb.__version__.startswith("2.0"):
    sys.exit(f"want duckdb 2.0.x (the version trace bundles), got {duckdb.__version__}")
here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, "..", "src", "query", "mod.rs")).read()
folded = re.search(r'const FOLDED_VIEWS: &str = r#"(.*?)"#;', src, re.S).group(1)

con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
cols = {
    "family": "VARCHAR", "time": "TIMESTAMP_NS", "kind": "VARCHAR", "host_id": "VARCHAR",
    "boot_id": "VARCHAR", "source": "VARCHAR",
    "container_id": "VARCHAR", "pid": "INTEGER", "tid": "INTEGER", "ppid": "INTEGER",
    "uid": "UINTEGER", "gid": "UINTEGER", "euid": "UINTEGER", "auid": "UINTEGER",
    "user_name": "VARCHAR", "comm": "VARCHAR", "exe": "VARCHAR", "argv": "VARCHAR[]",
    "cwd": "VARCHAR", "process_key": "VARCHAR", "parent_process_key": "VARCHAR",
    "process_start_time": "TIMESTAMP_NS", "exit_code": "INTEGER", "exe_sha256": "VARCHAR",
    "path": "VARCHAR", "target_path": "VARCHAR", "file_mode": "UINTEGER",
    "file_sha256": "VARCHAR", "protocol": "VARCHAR", "src_ip": "VARCHAR",
    "src_port": "USMALLINT", "dst_ip": "VARCHAR", "dst_port": "USMALLINT",
    "community_id": "VARCHAR", "bytes_sent": "UBIGINT", "bytes_received": "UBIGINT",
}
con.execute("SET VARIABLE jsonl = ?", [jsonl])
spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in cols.items()) + "}"
con.execute(
    "CREATE VIEW events AS SELECT * FROM read_json(getvariable('jsonl'), "
    f"format = 'newline_delimited', columns = {spec})"
)
for fam in ["process", "file", "network"]:
    con.execute(f"CREATE VIEW {fam} AS SELECT * FROM events WHERE family = '{fam}'")
tmp = tempfile.mkdtemp(prefix="bench-story-json-")
for view in ["host_records", "container_records", "loss"]:
    out = os.path.join(tmp, view + ".jsonl")
    with open(out, "w") as f:
        subprocess.run([trace, "--store", store, "query", "--format", "jsonl",
                        f"SELECT * FROM {view}"], stdout=f, check=True)
    con.execute(f"SET VARIABLE side_{view} = ?", [out])
    if os.path.getsize(out) == 0:
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_parquet([]) WHERE false")
    else:
        con.execute(f"CREATE VIEW {view} AS SELECT * FROM read_json(getvariable('side_{view}'), "
                    "format = 'newline_delimited')")
con.execute("CREATE VIEW indexed_container_ids AS SELECT CAST(NULL AS VARCHAR) AS container_id WHERE false")
for stmt in folded.split(";"):
    # `events` is the JSON lines themselves (one scan, not a union of three).
    if stmt.strip() and "VIEW events AS" not in stmt:
        con.execute(stmt)

total = 0.0
trace_ms = 0.0
for n, line in enumerate(open(log), 1):
    st = json.loads(line)
    t = time.perf_counter()
    rows = len(con.execute(st["sql"], st["params"]).fetchall())
    took = (time.perf_counter() - t) * 1e3
    total += took
    trace_ms += st["ms"]
    first = " ".join(st["sql"].split())[:70]
    print(f"  {n:2} {took:9.0f} ms (trace {st['ms']:6.1f} ms) {rows:6} rows  {first}", file=sys.stderr)
    if rows != st["rows"]:
        sys.exit(f"statement {n}: {rows} rows over JSON lines, {st['rows']} in trace")
print(f"json baseline: {n} statements, {total:.0f} ms (the same statements took "
      f"{trace_ms:.0f} ms in trace)", file=sys.stderr)
print(f"{total:.0f}")
