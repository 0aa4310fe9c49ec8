-- title: containers that lived less than N minutes, with what they ran
-- params: $1 = minutes
-- example: trace query -f queries/examples/short-lived-containers.sql -p 10
SELECT left(c.container_id, 12) AS id, c.image, h.hostname AS host, c.started, c.exited,
       date_diff('second', c.started, c.exited) AS seconds,
       (SELECT list(DISTINCT p.exe) FROM process p
         WHERE p.container_id = c.container_id AND p.kind = 'process_exec') AS executables
FROM containers c LEFT JOIN hosts h USING (host_id)
WHERE c.exited IS NOT NULL
  AND c.exited - c.started < to_minutes(CAST($1 AS BIGINT))
ORDER BY c.started;
