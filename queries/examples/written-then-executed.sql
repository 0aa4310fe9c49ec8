-- title: executables that were written on the same host or container and then run (drift)
-- example: trace query -f queries/examples/written-then-executed.sql
-- written_path() is trace's one definition of where a file event leaves content: the path of
-- a create or write, the new name of a rename (src/predicates.rs); the story marks drift alike.
SELECT x.time AS executed, h.hostname AS host, left(x.container_id, 12) AS container,
       x.exe, x.user_name AS user, w.time AS written, w.exe AS written_by, w.file_sha256
FROM process x
JOIN file w
  ON written_path(w.kind, w.path, w.target_path) = x.exe
 AND w.host_id = x.host_id
 AND w.container_id IS NOT DISTINCT FROM x.container_id
 AND w.time < x.time
LEFT JOIN hosts h ON h.host_id = x.host_id
WHERE x.kind = 'process_exec'
QUALIFY row_number() OVER (PARTITION BY x.process_key ORDER BY w.time DESC) = 1
ORDER BY x.time;
