# Prints the `figures` of a results file (collect-results.jq) as a
# tab-separated table: figure, one column per system, BacktraceDB / DuckDB.
#   jq -r -f results-table.jq results.json | (aligned as benchmark.sh does)
def cell: if . == null then "-"
          elif type == "number" then
            (if . >= 100 then (. | round | tostring)
             elif . >= 1 then ((. * 100 | round) / 100 | tostring)
             else ((. * 1000 | round) / 1000 | tostring) end)
          else tostring end;
def ratio: if . == null then "-" else ((. * 100 | round) / 100 | tostring) + "x" end;
. as $results
| [("backtracedb", "duckdb", "sqlite") | select(. as $s | $results.systems | has($s))] as $systems
| (["figure"] + $systems + ["backtracedb/duckdb"] | join("\t")),
  (.figures[] | [.name] + [.values[$systems[]] | cell] + [.ratio | ratio] | join("\t"))
