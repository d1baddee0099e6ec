"""EXPLAIN (ANALYZE, BUFFERS) of the queries behind a page of the transaction list, per filter
(page 1, or the page a `cursor` among the filter's parameters leads to; run by
run_reports_bench.py --explain, in a process of its own with the bench's environment).

    ../.venv/bin/python bench/explain_list.py LEDGER_PATH TOKEN FILTERS_JSON

Makes each request in process through Django's test client with its queries captured, then
runs each captured query that reads money_transaction again under EXPLAIN (ANALYZE, BUFFERS,
FORMAT JSON) on the same connection. Prints a JSON object: filter → the queries, each with its
planning and execution times, its buffers, whether it is the count, whether any node reads
money_transaction sequentially, and the plan as text."""

import json
import os
import sys
import uuid

import django


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def main() -> None:
    path, token, filters = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    out = {}
    for name, params in filters.items():
        query = {**params, "page_size": 50}
        client.get(f"/api/v1{path}/transactions", query)  # the count, cached
        with CaptureQueriesContext(connection) as captured:
            answer = client.get(f"/api/v1{path}/transactions", query)
        assert answer.status_code == 200, answer.content[:500]
        with CaptureQueriesContext(connection) as first:  # as after a write: with the count
            client.get(f"/api/v1{path}/transactions", {**query, "_": uuid.uuid4().hex})
        results = []
        for label, queries in (
            ("page", captured.captured_queries),
            ("first", first.captured_queries),
        ):
            for sql in (q["sql"] for q in queries):
                if "money_transaction" not in sql or not sql.lstrip().upper().startswith(
                    ("SELECT", "WITH")
                ):
                    continue
                is_count = "COUNT(" in sql.upper()
                if label == "first" and not is_count:
                    continue
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
                    (plan,) = cursor.fetchone()[0]
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    text = "\n".join(row[0] for row in cursor.fetchall())
                seq = [
                    n.get("Relation Name")
                    for n in nodes(plan["Plan"])
                    if n["Node Type"] == "Seq Scan"
                ]
                top = plan["Plan"]
                results.append(
                    {
                        "count": is_count,
                        "planning_ms": round(plan["Planning Time"], 3),
                        "execution_ms": round(plan["Execution Time"], 3),
                        "shared_hit": top.get("Shared Hit Blocks"),
                        "shared_read": top.get("Shared Read Blocks"),
                        "seq_scans": seq,
                        "seq_scan_money_transaction": "money_transaction" in seq,
                        "sql": sql[:2000],
                        "plan": text,
                    }
                )
        out[name] = results
    print(json.dumps(out))


if __name__ == "__main__":
    main()
