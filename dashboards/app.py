"""Finance dashboards: `streamlit run dashboards/app.py` (make dashboard). Each page reads only
the marts, through the SQL in dashboards/queries/, and is a dbt exposure
(models/marts/_dashboards__exposures.yml)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402
from finboard.pages import PAGES  # noqa: E402

st.set_page_config(page_title="Finance dashboards", layout="wide")
navigation = st.navigation(
    [
        st.Page(str(HERE / "views" / f"{page.key}.py"), title=page.title, url_path=page.key, default=page.default)
        for page in PAGES
    ]
)
navigation.run()
