"""What every page says above its figures about the last build: the rule is the month-end pack's
and the export's too, written once in publish/build_status.py."""

from publish.build_status import UNKNOWN, banner

__all__ = ["UNKNOWN", "banner"]
