"""The dashboard's pages: one file each in dashboards/views/ (not pages/: that name would switch on
Streamlit's legacy page discovery), one dbt exposure each
(`dashboard_<key>`, models/marts/_dashboards__exposures.yml), queries `queries/<key>__*.sql`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    default: bool = False

    @property
    def exposure(self) -> str:
        return f"dashboard_{self.key}"


PAGES = (
    PageSpec("overview", "Overview", default=True),
    PageSpec("pnl", "P&L"),
    PageSpec("products", "Products"),
    PageSpec("refunds", "Refunds"),
    PageSpec("marketing", "Marketing"),
    PageSpec("customers", "Customers"),
    PageSpec("data_health", "Data health"),
)
