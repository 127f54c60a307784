"""Ad campaigns and their daily spend, with the restatements platforms send."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .common import Stream, rng

PLATFORM_TARGET = {"google_ads": "web_store", "meta": "web_store", "tiktok": "web_store", "amazon_ads": "marketplace"}
CURRENCY_MARKETS = {"USD": "US", "EUR": "EU", "GBP": "UK", "CAD": "CA"}
THEMES = ("Prospecting", "Retargeting", "Brand Search", "Shopping", "New Arrivals", "Clearance")
RESTATED_DAYS = 2  # each daily file also restates the two previous days


@dataclass(frozen=True)
class Campaigns:
    campaign_id: np.ndarray
    name: np.ndarray
    platform: np.ndarray
    target_channel: np.ndarray
    currency: np.ndarray
    first_day: np.ndarray  # day index (relative to the start date), inclusive
    last_day: np.ndarray
    daily_budget: np.ndarray  # cents
    cpc: np.ndarray  # cents
    ctr: np.ndarray
    conversion_rate: np.ndarray


def build_campaigns(seed: int, horizon_days: int = 1460) -> Campaigns:
    """Always-on campaigns plus bursts, defined over a fixed horizon so extending the output
    never changes a campaign already written."""
    r = rng(seed, Stream.CAMPAIGNS)
    rows: list[tuple] = []
    always_on = [
        ("google_ads", "USD", "Brand Search"),
        ("google_ads", "GBP", "Shopping"),
        ("google_ads", "EUR", "Shopping"),
        ("meta", "USD", "Prospecting"),
        ("meta", "EUR", "Retargeting"),
        ("tiktok", "USD", "New Arrivals"),
        ("amazon_ads", "USD", "Sponsored Products"),
        ("amazon_ads", "EUR", "Sponsored Products"),
    ]
    for platform, currency, theme in always_on:
        rows.append((platform, currency, theme, -365, horizon_days))
    platforms = tuple(PLATFORM_TARGET)
    for slot in range(horizon_days // 30):
        for _ in range(int(r.integers(1, 3))):
            platform = platforms[int(r.integers(0, len(platforms)))]
            currency = ("USD", "EUR", "GBP", "CAD")[int(r.choice(4, p=[0.6, 0.2, 0.12, 0.08]))]
            first = slot * 30 + int(r.integers(0, 30))
            rows.append(
                (platform, currency, THEMES[int(r.integers(0, len(THEMES)))], first, first + int(r.integers(14, 60)))
            )
    n = len(rows)
    platform = np.array([row[0] for row in rows])
    currency = np.array([row[1] for row in rows])
    prefix = {"google_ads": "GA", "meta": "FB", "tiktok": "TT", "amazon_ads": "AZ"}
    ids = np.array([f"CMP-{prefix[p]}-{i + 1:04d}" for i, p in enumerate(platform)])
    names = np.array(
        [f"{p} | {CURRENCY_MARKETS[c]} | {row[2]}" for p, c, row in zip(platform, currency, rows, strict=True)]
    )
    return Campaigns(
        campaign_id=ids,
        name=names,
        platform=platform,
        target_channel=np.array([PLATFORM_TARGET[p] for p in platform]),
        currency=currency,
        first_day=np.array([row[3] for row in rows]),
        last_day=np.array([row[4] for row in rows]),
        daily_budget=np.round(r.lognormal(np.log(25_000), 0.6, n)).astype(np.int64),
        cpc=np.round(r.uniform(30, 250, n)).astype(np.int64),
        ctr=r.uniform(0.005, 0.03, n),
        conversion_rate=r.uniform(0.015, 0.045, n),
    )


def active(campaigns: Campaigns, day_index: int) -> np.ndarray:
    return np.flatnonzero((campaigns.first_day <= day_index) & (campaigns.last_day >= day_index))


def daily_metrics(seed: int, campaigns: Campaigns, day_index: int, demand: float) -> dict[str, np.ndarray]:
    """The day's metrics as first reported."""
    idx = active(campaigns, day_index)
    r = rng(seed, Stream.SPEND, day_index)
    budget = campaigns.daily_budget[idx] * min(demand, 2.5) * r.uniform(0.8, 1.1, len(idx))
    clicks = np.maximum(np.round(budget / (campaigns.cpc[idx] * r.uniform(0.85, 1.15, len(idx)))), 0).astype(np.int64)
    impressions = np.round(clicks / (campaigns.ctr[idx] * r.uniform(0.9, 1.1, len(idx)))).astype(np.int64)
    spend = np.round(clicks * campaigns.cpc[idx] * r.uniform(0.9, 1.1, len(idx))).astype(np.int64)
    return {"campaign": idx, "impressions": impressions, "clicks": clicks, "spend": spend}


def restated(seed: int, first: dict[str, np.ndarray], day_index: int, version: int) -> dict[str, np.ndarray]:
    """The same day as reported `version` days later: some rows drift by a few percent."""
    out = {key: value.copy() for key, value in first.items()}
    for v in range(1, version + 1):
        r = rng(seed, Stream.SPEND_RESTATEMENT, day_index, v)
        touched = r.random(len(out["spend"])) < 0.3
        factor = np.where(touched, r.uniform(0.97, 1.04, len(out["spend"])), 1.0)
        out["spend"] = np.round(out["spend"] * factor).astype(np.int64)
        out["clicks"] = np.round(out["clicks"] * factor).astype(np.int64)
        out["impressions"] = np.maximum(out["impressions"], out["clicks"])
    return out
