"""Reads a trace store with Apache Spark (pyspark, local mode) and answers three questions.

Usage: python3 tests/spark_read.py CONTAINER_ID IP STORE...

The store is read as it is, with no flags: one directory per family, Hive partitions
host=/date=, schema merged across files of different versions. Prints one JSON object per
line: {"store": <its position in the arguments>, "q": <question>, "row": [values...]}, for
  container  every event of one container (process, file, network),
  ip         the connections to one IP address,
  tmp_exec   the programs executed from /tmp.
Times are printed as microseconds since the epoch (unix_micros) with `time_nanos` beside.
"""

import json
import sys

from pyspark.sql import SparkSession

QUESTIONS = {
    "container": """
        SELECT family, unix_micros(CAST(time AS TIMESTAMP)) AS t, time_nanos, kind, process_key
        FROM (
            SELECT 'process' AS family, time, time_nanos, kind, process_key, container_id FROM process
            UNION ALL SELECT 'file', time, time_nanos, kind, process_key, container_id FROM file
            UNION ALL SELECT 'network', time, time_nanos, kind, process_key, container_id FROM network
        ) WHERE container_id = :container""",
    "ip": """
        SELECT unix_micros(CAST(time AS TIMESTAMP)) AS t, time_nanos, host_id, container_id,
               kind, src_ip, src_port, dst_port
        FROM network WHERE dst_ip = :ip AND kind = 'net_connect'""",
    "tmp_exec": """
        SELECT unix_micros(CAST(time AS TIMESTAMP)) AS t, host_id, container_id, exe,
               array_join(argv, ' ') AS args
        FROM process WHERE kind = 'process_exec' AND exe LIKE '/tmp/%'""",
}


def main() -> int:
    container, ip, stores = sys.argv[1], sys.argv[2], sys.argv[3:]
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("trace-store-read")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    args = {"container": container, "ip": ip}
    for i, store in enumerate(stores):
        for family in ("process", "file", "network"):
            df = spark.read.option("mergeSchema", "true").parquet(f"{store}/{family}")
            # The time columns are timestamps, not integers: no legacy flag was needed.
            kind = dict(df.dtypes)["time"]
            if kind not in ("timestamp_ntz", "timestamp"):
                print(f"{store}: {family}.time read as {kind}", file=sys.stderr)
                return 1
            df.createOrReplaceTempView(family)
        for name, sql in QUESTIONS.items():
            for row in spark.sql(sql, args=args).collect():
                print(json.dumps({"store": i, "q": name, "row": list(row)}))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
