"""What the demo builder's parts share: sizes, the fixed "now" and its months, timestamps, id helpers."""

from __future__ import annotations

import contextlib
import random
import string
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings

from aftersales.models import Order, Payment

from . import catalogue as cat

SEED = 20260101
DEFAULT_ORDERS = 5000
MONTHS = 12
BATCH = 1000
DEMO_HEADER = "X-Demo-Data"
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


class DemoDataError(Exception):
    """The demo store cannot be built or removed here; the message says why."""


@dataclass
class SeedResult:
    created: bool
    orders: int = 0
    counts: dict = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None   # the anchor: the start of the day the demo was built for
    month_start: datetime | None = None  # the start of the month in progress (the end of the twelve whole months)
    this_month: int = 0  # orders placed in the month in progress, before the anchor
    refund_rate: float = 0.0
    lamp_refund_share: float = 0.0
    seconds: float = 0.0
    return_cases: dict = field(default_factory=dict)  # {"cases", "lamp_cases", "kept"} made by this run


@dataclass(slots=True)
class Plan:
    """What the planner needs to know about one order while the rows are being built."""

    order: Order
    payment: Payment
    market: str
    lines: list
    lamp: bool
    placed_at: datetime
    delivered_at: datetime | None = None
    has_pod: bool = False
    refunded: int = 0
    closed: bool = False  # cancelled, lost or already refunded: not a candidate for more


def anchor_for(today: date | None = None) -> datetime:
    """The demo's fixed "now": midnight at the start of ``today`` (default: the current day) in the store's time
    zone, in UTC. Nothing is dated at or after it; the twelve whole months before its month hold the year's orders,
    and its month up to it is the month in progress."""
    tz = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
    today = today or datetime.now(tz).date()
    return datetime(today.year, today.month, today.day, tzinfo=tz).astimezone(UTC)


def month_starts(anchor: datetime, months: int = MONTHS) -> list[datetime]:
    """``months + 2`` boundaries in UTC, from ``months`` months before the anchor's month to the start of the month
    after it: the whole months, then the month in progress (which the anchor cuts)."""
    tz = zoneinfo.ZoneInfo(settings.STORE_TIME_ZONE)
    local = anchor.astimezone(tz)
    starts = []
    for back in range(months, -2, -1):
        year, month = divmod(local.month - 1 - back, 12)
        starts.append(datetime(local.year + year, month + 1, 1, tzinfo=tz).astimezone(UTC))
    return starts


@contextlib.contextmanager
def historic_timestamps(*models):
    """Let ``bulk_create`` keep the given ``created_at``/``updated_at`` instead of stamping "now"."""
    fields = [f for model in models for f in model._meta.concrete_fields
              if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def local_price(usd_minor: int, currency: str) -> int:
    """The list price in ``currency``, ending in .99 (or .95 in AUD)."""
    whole = max(1, round(usd_minor * cat.PRICE_FACTOR[currency] / 100))
    return whole * 100 - (5 if currency == "AUD" else 1)


def token(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choices(alphabet, k=length))


def fill_pattern(rng: random.Random, shape: str) -> str:
    """``D`` a digit, ``A`` a capital letter, ``X`` either; anything else is kept."""
    out = []
    for char in shape:
        if char == "D":
            out.append(rng.choice(string.digits))
        elif char == "A":
            out.append(rng.choice(string.ascii_uppercase))
        elif char == "X":
            out.append(rng.choice(UPPER_DIGITS))
        else:
            out.append(char)
    return "".join(out)


def ascii_name(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().replace("'", "")

