"""Delivery order is arrival order: the load a file version arrived in, then its path within the
load (decision log §13). A file that arrives after files whose paths sort later wins over them."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from support import Project, make_sample, ok


def test_a_late_file_wins_over_earlier_deliveries_whose_paths_sort_later(tmp_path: Path) -> None:
    full = make_sample(tmp_path / "full", days=5)
    late = sorted(full.glob("marketing_spend/*/*.csv"))[2]  # day 3's restatements
    rows = list(csv.reader(io.StringIO(late.read_text())))
    header = rows[0]
    later = list(csv.reader(io.StringIO(sorted(full.glob("marketing_spend/*/*.csv"))[3].read_text())))
    key = [header.index(c) for c in ("platform", "campaign_id", "spend_date")]
    later_keys = {tuple(r[i] for i in key) for r in later[1:]}
    shared = next(r for r in rows[1:] if tuple(r[i] for i in key) in later_keys)  # day 4 restates it too
    shared[header.index("spend")] = "12345.67"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    late.write_text(out.getvalue())
    # days 1, 2, 4 and 5 arrive first; day 3's files come a load later
    held = tmp_path / "held"
    for day_folder in full.glob("*/date=*"):
        if day_folder.name.endswith(late.parent.name.removeprefix("date=")):
            (held / day_folder.parent.name).mkdir(parents=True)
            shutil.move(day_folder, held / day_folder.relative_to(full))
    (tmp_path / "work").mkdir()
    project = Project(tmp_path / "work")
    assert project.load(full) == 0
    for moved in held.glob("*/date=*"):
        shutil.move(moved, full / moved.relative_to(held))
    assert project.load(full) == 0
    ok(project.dbt("run", "--select", "stg_raw__marketing_spend"))
    platform, campaign, day = (shared[i] for i in key)
    assert project.query(
        "select cast(spend as varchar), source_file from staging.stg_raw__marketing_spend "
        f"where platform = '{platform}' and campaign_id = '{campaign}' and spend_date = '{day}'"
    ) == [("12345.67", str(late.relative_to(full)))]
