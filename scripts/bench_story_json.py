#!/usr/bin/env python3
"""The JSON-lines baseline of scripts/bench_story.sh: DuckDB (the Python wheel of the DuckDB
version trace bundles) answers the core of a container story over the events as JSON lines:
resolve the id prefix, the container's events (the story's subject query: same columns, same
order), and the flow pivot (events on the other side of its connections). A story runs ~28
such queries; these 3 are a lower bound of the JSON path. Prints the total in ms on stdout,
the parts on stderr, and checks the answers against trace's story JSON.

    bench_story_json.py EVENTS.jsonl CONTAINER_PREFIX TRACE_STORY.json
"""
import json
import sys
import time

import duckdb

path, prefix, story_path = sys.argv[1], sys.argv[2], sys.argv[3]
story = json.load(open(story_path))
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if not duckdb.__version__.startswith("2.0"):
    sys.exit(f"want duckdb 2.0.x (the version trace bundles), got {duckdb.__version__}")
# The columns the story reads, typed (no sampling: every line is parsed the same way).
cols = {
    "family": "VARCHAR", "time": "TIMESTAMP_NS", "kind": "VARCHAR", "host_id": "VARCHAR",
    "container_id": "VARCHAR", "pid": "INTEGER", "ppid": "INTEGER", "uid": "UINTEGER",
    "auid": "UINTEGER", "user_name": "VARCHAR", "exe": "VARCHAR", "argv": "VARCHAR[]",
    "process_key": "VARCHAR", "parent_process_key": "VARCHAR",
    "process_start_time": "TIMESTAMP_NS", "exit_code": "INTEGER", "exe_sha256": "VARCHAR",
    "path": "VARCHAR", "target_path": "VARCHAR", "file_mode": "UINTEGER",
    "file_sha256": "VARCHAR", "protocol": "VARCHAR", "src_ip": "VARCHAR",
    "src_port": "USMALLINT", "dst_ip": "VARCHAR", "dst_port": "USMALLINT",
    "community_id": "VARCHAR", "bytes_sent": "UBIGINT", "bytes_received": "UBIGINT",
}
con.execute("SET VARIABLE jsonl = ?", [path])
con.execute(
    "CREATE VIEW events AS SELECT * FROM read_json(getvariable('jsonl'), "
    "format = 'newline_delimited', columns = " + "{" + ", ".join(
        f"'{k}': '{v}'" for k, v in cols.items()) + "})"
)
EVENT_COLUMNS = """family, epoch_ns(time) AS t, kind, host_id, container_id, pid, ppid, uid, auid,
    user_name, exe, argv, process_key, parent_process_key, epoch_ns(process_start_time) AS st,
    exit_code, exe_sha256, path, target_path, file_mode, file_sha256, protocol, src_ip,
    src_port, dst_ip, dst_port, community_id, bytes_sent, bytes_received"""
parts = {}
t0 = time.perf_counter()
ids = con.execute(
    "SELECT DISTINCT container_id FROM events WHERE starts_with(container_id, $1)", [prefix]
).fetchall()
parts["resolve"] = time.perf_counter() - t0
assert len(ids) == 1, ids
cid = ids[0][0]
t1 = time.perf_counter()
evs = con.execute(
    f"SELECT {EVENT_COLUMNS} FROM events WHERE container_id = $1 ORDER BY time, kind", [cid]
).fetchall()
parts["subject events"] = time.perf_counter() - t1
assert len(evs) == len(story["timeline"]), (len(evs), len(story["timeline"]))
cids = sorted({e[26] for e in evs if e[26] is not None})
t2 = time.perf_counter()
flows = con.execute(
    f"""SELECT {EVENT_COLUMNS} FROM events WHERE family = 'network'
          AND kind IN ('net_connect', 'net_accept')
          AND list_contains(CAST($1 AS VARCHAR[]), community_id) ORDER BY time""",
    [cids],
).fetchall()
parts["flow pivot"] = time.perf_counter() - t2
total = time.perf_counter() - t0
print(
    "json baseline: " + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in parts.items())
    + f"; {len(evs)} events, {len(flows)} flow rows",
    file=sys.stderr,
)
print(f"{total * 1e3:.0f}")
