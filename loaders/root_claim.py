"""One delivery root per local warehouse (decision log §13).

A file delivered again replaces what it delivered before, and a file is known by its path under
the delivery root. Two roots loaded into one warehouse (`make run SOURCE=/exports/eu/shop`, then
`SOURCE=/exports/us/shop`: both named after `shop`) would replace each other's files of the same
path, taking the first root's lines out of every mart. The command line's `load
--claim-warehouse` (which `make run` and `make daily` pass, as they name the warehouse after the
root's folder) therefore claims a local DuckDB warehouse for the first root it loads, in a file
beside it (`<warehouse>.source`), and refuses another root. Without the flag a load names its
warehouse itself, and may load another folder on purpose (a copy of the same source).
"""

from __future__ import annotations

from pathlib import Path


class RootClaimed(ValueError):
    """The warehouse holds the deliveries of another root; the message says what to do."""


def root_id(source: str) -> str:
    """A root as the claim records it: a URL as given, a folder by its absolute path."""
    return source.rstrip("/") if "://" in source else str(Path(source).resolve())


def claim_file(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".source")


def check(warehouse: Path, source: str) -> None:
    """Raises RootClaimed when another root holds the warehouse. A claim beside a warehouse that
    no longer exists (deleted to start again) is stale, and goes."""
    marker = claim_file(warehouse)
    if not warehouse.exists():
        marker.unlink(missing_ok=True)
    held = marker.read_text(encoding="utf-8").strip() if marker.exists() else ""
    root = root_id(source)
    if held and held != root:
        raise RootClaimed(
            f"{warehouse} holds the deliveries of {held}, and {root} is another delivery root: its files would "
            "replace those with the same path under the first, taking their lines out of the warehouse. Load it "
            f"into a warehouse of its own (FINANCE_WAREHOUSE_PATH=...), or, if the root moved, delete {marker}"
        )


def claim(warehouse: Path, source: str) -> None:
    """Records `source` as the warehouse's root once a load from it ran (a folder that does not
    exist claims nothing: a mistyped root must not lock out the right one). A warehouse loaded
    before claims existed is claimed by the next root loaded into it."""
    check(warehouse, source)
    if "://" not in source and not Path(source).is_dir():
        return
    marker = claim_file(warehouse)
    if not marker.exists() and warehouse.exists():
        marker.write_text(root_id(source) + "\n", encoding="utf-8")
