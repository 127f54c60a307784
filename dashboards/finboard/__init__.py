"""The finance dashboards' building blocks: SQL resolution, warehouse reads, money and tiles."""
