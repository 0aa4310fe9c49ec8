-- title: the ancestry of a process, from it up to the host's init (pass its process_key)
-- params: $1 = process_key
-- example: trace query -f queries/examples/lineage.sql -p "$(trace query --format csv "SELECT process_key FROM process WHERE exe = '/tmp/.kworker' LIMIT 1" | tail -n 1)"
WITH RECURSIVE up(depth, key) AS (
    SELECT 0, CAST($1 AS VARCHAR)
    UNION ALL
    SELECT up.depth + 1, p.parent_process_key
    FROM up
    JOIN (SELECT DISTINCT process_key, parent_process_key FROM process) p
      ON p.process_key = up.key
    WHERE p.parent_process_key IS NOT NULL AND up.depth < 64
)
SELECT up.depth, h.hostname AS host, left(p.container_id, 12) AS container, p.pid,
       p.user_name AS user, p.exe, array_to_string(p.argv, ' ') AS argv, p.time AS exec_time
FROM up
JOIN process p ON p.process_key = up.key AND p.kind IN ('process_exec', 'process_fork')
LEFT JOIN hosts h ON h.host_id = p.host_id
QUALIFY row_number() OVER (PARTITION BY up.depth ORDER BY (p.kind = 'process_exec') DESC, p.time DESC) = 1
ORDER BY up.depth;
