"""Redshift portability checks that need no Redshift: an offline compile with the real
dbt-redshift adapter, and explicit rules for SQL DuckDB accepts but Redshift does not."""
