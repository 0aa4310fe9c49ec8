-- title: every connection to or from an address, on every host and container
-- params: $1 = IP address
-- example: trace query -f queries/examples/ip-everywhere.sql -p 203.0.113.66
SELECT n.time, h.hostname AS host, left(n.container_id, 12) AS container, n.kind,
       n.user_name AS user, n.exe, n.src_ip, n.src_port, n.dst_ip, n.dst_port,
       n.bytes_sent, n.bytes_received
FROM network n LEFT JOIN hosts h USING (host_id)
WHERE n.src_ip = $1 OR n.dst_ip = $1
ORDER BY n.time;
