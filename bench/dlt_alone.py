"""The part of a load that is dlt's alone, for the loader benchmark.

    .venv/bin/python bench/dlt_alone.py ROWS.parquet WAREHOUSE.duckdb PIPELINES_DIR

Reads rows that are already typed (what the loader hands dlt after parsing and checking) and
appends them with a bare dlt pipeline, to the same kind of DuckDB destination and with the same
load-file format as the loader: no parsing, no checks, no merge. `bench_load.py` times this
command as a whole, start-up included, to show how much of the loader's time no loader built
on dlt can avoid.
"""

from __future__ import annotations

import sys

import dlt
import pyarrow.parquet as pq

from loaders.destinations import duckdb_credentials


def main(rows: str, warehouse: str, pipelines_dir: str) -> int:
    table = pq.read_table(rows)
    pipeline = dlt.pipeline(
        pipeline_name="dlt_alone",
        pipelines_dir=pipelines_dir,
        destination=dlt.destinations.duckdb(credentials=duckdb_credentials(warehouse)),
        dataset_name="raw",
    )
    pipeline.run(
        dlt.resource(table.to_batches(250_000), name="transactions", write_disposition="append"),
        loader_file_format="parquet",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
