"""`python -m loaders import --mapping FILE.yml`: any CSV export (a shop's order lines, a year
of invoice lines) becomes the transactions feed, with a mapping file instead of Python.

- `config`: the mapping file, read and checked (docs/mapping.md is its reference);
- `values`: numbers with the export's separators, timestamps in its format and zone, cents;
- `rows`: each source row to a typed sale line or return;
- `returns`: the sale line each return gives back;
- `importer`: derived values, the delivered files, and the account of every row read.
"""

from __future__ import annotations

from .config import Mapping, load_mapping, parse_mapping
from .importer import Imported, import_files
from .problems import MappingError

__all__ = ["Imported", "Mapping", "MappingError", "import_files", "load_mapping", "parse_mapping"]
