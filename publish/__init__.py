"""What leaves the warehouse for readers that must not open it: the marts as partitioned Parquet
(`python -m publish export`) and the month-end pack (`python -m publish report --month YYYY-MM`)."""
