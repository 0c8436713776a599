# Collects the JSON lines of one benchmark run (every runner's bulk-load,
# stream-load, query and size output, slurped with jq -s) into one object:
# the raw figures per system and step, and `figures`: the rows of the
# summary table, each with a value per system and the ratio BacktraceDB /
# DuckDB. Arguments: $meta (an object: rows, commit, date, machine, load).
#   jq -s --argjson meta '{...}' -f collect-results.jq RAW.jsonl...
def mib: if . == null then null else . / 1048576 end;
def ms: if . == null then null else . * 1000 end;
def step($lines; $command): [$lines[] | select(.command == $command and .error == null and .summary != true)] | first;
def server_or_runner_rss: if .server_peak_rss_bytes != null then .server_peak_rss_bytes else .peak_rss_bytes end;

. as $all
| ($all | map(.system) | unique) as $systems
| ($systems | map(. as $system | [$all[] | select(.system == $system)] as $lines | {
    key: $system,
    value: {
      version: ($lines[0].version),
      bulk_load: step($lines; "bulk-load"),
      stream_load: step($lines; "stream-load"),
      queries: ([$lines[] | select(.command == "query" and .query != null)]
                | map({key: .query, value: (del(.result, .head, .tail, .system, .version, .command))})
                | from_entries),
      query_summary: ([$lines[] | select(.command == "query" and .summary == true)] | first),
      size: step($lines; "size")
    }}) | from_entries) as $raw
| def figure($name; f):
    {name: $name,
     values: ($systems | map({key: ., value: ($raw[.] | f)}) | from_entries)}
    | .ratio = (if (.values.backtracedb | type) == "number" and (.values.duckdb | type) == "number"
                   and .values.duckdb != 0
                then .values.backtracedb / .values.duckdb else null end);
  $meta + {
    systems: $raw,
    figures: [
      figure("bulk load: rows/s until durable (acknowledged; DuckDB/SQLite: committed)";
             .bulk_load | if .phases.ingest_until_acknowledged != null
                          then .rows / .phases.ingest_until_acknowledged else .rows_per_second end),
      figure("bulk load: rows/s until in final storage (column files / checkpointed)"; .bulk_load.rows_per_second),
      figure("bulk load: seconds in all"; .bulk_load.seconds),
      figure("bulk load: CPU seconds (BacktraceDB: daemon and workers + backtrace ingest)";
             .bulk_load | if .server_cpu_seconds != null
                          then .server_cpu_seconds + .ingest_program_cpu_seconds else .cpu_seconds end),
      figure("stream load: rows/s until durable (10k-row batches)"; .stream_load.rows_per_second),
      figure("stream load: commit latency p50, ms"; .stream_load.commit_seconds_p50 | ms),
      figure("stream load: commit latency p99, ms"; .stream_load.commit_seconds_p99 | ms),
      figure("stream load: close (compaction / checkpoint), s"; .stream_load.close_seconds),
      figure("stream load: rows/s including close"; .stream_load.rows_per_second_including_close),
      figure("stream load: CPU seconds (BacktraceDB: daemon and workers, incl. close; + runner)";
             .stream_load | if .server_cpu_seconds != null then .server_cpu_seconds + .cpu_seconds else .cpu_seconds end),
      (range(1; 7) as $n | "Q\($n)" as $q |
        figure("\($q) cold, ms"; .queries[$q].cold_seconds | ms),
        figure("\($q) warm median of 5, ms"; .queries[$q].warm_median_seconds | ms)),
      figure("bytes on disk after bulk load, MiB"; .size.bytes_on_disk | mib),
      figure("  of which column files, MiB"; .size.bytes_on_disk_tables | mib),
      figure("  of which catalog, MiB"; .size.bytes_on_disk_catalog | mib),
      figure("  of which WAL, MiB"; .size.bytes_on_disk_wal | mib),
      figure("peak RSS, bulk load, MiB (BacktraceDB: all its processes)"; .bulk_load | server_or_runner_rss | mib),
      figure("peak RSS, stream load, MiB (BacktraceDB: all its processes)"; .stream_load | server_or_runner_rss | mib),
      figure("peak RSS, queries, MiB (BacktraceDB: all its processes)"; .query_summary | server_or_runner_rss | mib),
      figure("peak RSS of the daemon alone, MiB"; [.bulk_load.daemon_peak_rss_bytes, .stream_load.daemon_peak_rss_bytes,
                                                  .query_summary.daemon_peak_rss_bytes] | max | mib),
      figure("peak RSS of the runner process (client side for BacktraceDB), MiB";
             [.bulk_load.peak_rss_bytes, .stream_load.peak_rss_bytes, .query_summary.peak_rss_bytes] | max | mib)
    ]
  }
