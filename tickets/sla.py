"""Business-time arithmetic for SLAs: pure functions on a ``Calendar`` dataclass, no database.

The ticket services turn a ``BusinessCalendar`` row into a ``Calendar`` (``Calendar.from_json``) and ask:
when is a reply due (``add_business_minutes``, ``first_response_due``), how much business time went by
(``business_minutes_between``, ``…_excluding`` for periods paused while the ticket waited on the customer),
and what is the one reply-by time of a ticket (``reply_by``: the earlier of the SLA target and the closing
of the WhatsApp / Messenger 24-hour window, ``window_closes``). DESIGN §4 "tickets" and §7 "First response
time".

How time is read (each choice is tested in ``tests/tickets/test_sla_clock.py``):

* Working intervals are local wall-clock times of the calendar's zone and half-open: 09:00–18:00 covers
  09:00 up to, not including, 18:00. An interval whose end is not after its start runs past midnight
  (22:00–06:00); an end equal to the start means 24 hours, so (00:00, 00:00) is a whole day ("24:00" in
  the JSON). Intervals of one day that overlap or touch are merged.
* A holiday is a whole local day off: it also removes the part of an overnight interval that spills into it.
* Across a DST change a wall time is taken at the instant the clock first shows it: a day worked 00:00–24:00
  lasts 23 hours on the last Sunday of March in Berlin and 25 hours on the last Sunday of October; a time
  that the clock skips (02:30 in the spring) is reached when the clock jumps past it.
* Results are aware UTC datetimes; naive datetimes are refused. Minutes are floored, never rounded.

The clock walks day by day: a whole day with no holiday and no offset change counts its weekly working
seconds in constant time, only the first, last and irregular days are computed interval by interval, and
a calendar with no working time at all is refused (``ValueError``) rather than searched for ever.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIRST_RESPONSE_MINUTES = 120
MESSAGING_WINDOW = timedelta(hours=24)
WINDOW_CHANNELS = frozenset({"whatsapp", "messenger"})  # tickets.choices.Channel values with a 24-hour window

_DAY_SECONDS = 86_400
_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_ONE_MINUTE = timedelta(minutes=1)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")

Interval = tuple[time, time]
Segments = tuple[tuple[int, int], ...]  # one local day: sorted, disjoint [start, end) in seconds after midnight


@dataclass(frozen=True)
class Calendar:
    """Working hours per weekday (0 is Monday) in local wall time of ``time_zone``, and holidays."""

    time_zone: str = "UTC"
    hours: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict, hash=False)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self):
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"Unknown time zone: {self.time_zone!r}") from exc
        hours = {}
        for weekday, intervals in self.hours.items():
            if type(weekday) is not int or not 0 <= weekday <= 6:
                raise ValueError(f"A weekday is 0 (Monday) to 6 (Sunday), not {weekday!r}")
            pairs = tuple((start, end) for start, end in intervals)  # checked by _weekly_segments below
            if pairs:
                hours[weekday] = pairs
        holidays = frozenset(self.holidays)
        if any(type(day) is not date for day in holidays):
            raise ValueError("Holidays are dates (not datetimes)")
        segments = _weekly_segments(hours)
        object.__setattr__(self, "hours", MappingProxyType(hours))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_segments", segments)
        object.__setattr__(self, "_nominal", tuple(timedelta(seconds=sum(b - a for a, b in day)) for day in segments))
        object.__setattr__(self, "_always", not holidays and all(day == ((0, _DAY_SECONDS),) for day in segments))

    def __reduce__(self):
        return type(self), (self.time_zone, dict(self.hours), self.holidays)

    @classmethod
    def always(cls, time_zone: str = "UTC") -> Calendar:
        """Open 24 hours a day, 7 days a week (the clock used when a policy has no calendar)."""
        return cls(time_zone=time_zone, hours={weekday: ((time(0), time(0)),) for weekday in range(7)})

    @classmethod
    def from_json(cls, time_zone: str | None, hours_json: Mapping | None,
                  holidays: Iterable[date | str] = ()) -> Calendar:
        """Build from what ``BusinessCalendar`` stores: ``{"0": [["09:00", "18:00"]], …}`` ("24:00" may end a
        day) and its holidays (dates or ISO strings). Anything malformed raises ``ValueError``."""
        if hours_json is None:
            hours_json = {}
        if not isinstance(hours_json, Mapping):
            raise ValueError("Working hours are a mapping of weekday to intervals")
        hours: dict[int, tuple[Interval, ...]] = {}
        for key, intervals in hours_json.items():
            weekday = _parse_weekday(key)
            if weekday in hours:
                raise ValueError(f"Weekday {weekday} is given twice")
            if isinstance(intervals, str | bytes) or not isinstance(intervals, Sequence):
                raise ValueError(f"Weekday {weekday}: a list of [start, end] pairs is expected")
            pairs = []
            for pair in intervals:
                if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
                    raise ValueError(f"Weekday {weekday}: {pair!r} is not a [start, end] pair")
                start, end = _parse_clock(pair[0], may_be_midnight=False), _parse_clock(pair[1], may_be_midnight=True)
                if start == end and pair[1] != "24:00":
                    raise ValueError(f"Weekday {weekday}: {pair!r} is ambiguous (write 00:00–24:00 for a whole day)")
                pairs.append((start, end))
            hours[weekday] = tuple(pairs)
        return cls(time_zone=time_zone or "UTC", hours=hours,
                   holidays=frozenset(_parse_holiday(day) for day in holidays))

    # Internals ---------------------------------------------------------------------------------------------

    def _first_reach(self, wall: datetime) -> datetime:
        """The first UTC instant at which the local clock shows ``wall`` or later (naive ``wall``)."""
        earlier = wall.replace(tzinfo=self._zone).astimezone(UTC)
        later = wall.replace(tzinfo=self._zone, fold=1).astimezone(UTC)
        if earlier <= later:  # an ordinary time, or a repeated one (autumn): its first occurrence
            return earlier
        # Skipped by the clock (spring): the change happens in (later, earlier]; find it to the second.
        low, high = later, earlier
        while high - low > _ONE_SECOND:
            middle = low + (high - low) // 2
            if middle.astimezone(self._zone).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle
        return high

    def _day_of(self, moment: datetime) -> date:
        day = moment.astimezone(self._zone).date()
        if moment >= self._first_reach(datetime.combine(day + _ONE_DAY, time())):
            day += _ONE_DAY  # the clock was turned back across midnight: this hour belongs to the next day
        return day

    def _is_plain(self, day: date) -> bool:
        """No holiday and the same UTC offset all day: the day's working time is its weekday's nominal time."""
        midnight = datetime.combine(day, time())
        return day not in self.holidays and self._zone.utcoffset(midnight) == self._zone.utcoffset(midnight + _ONE_DAY)

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of one local day as UTC instants, in order."""
        if day in self.holidays:
            return []
        midnight = datetime.combine(day, time())
        out = []
        for start, end in self._segments[day.weekday()]:
            opens = self._first_reach(midnight + timedelta(seconds=start))
            closes = self._first_reach(midnight + timedelta(seconds=end))
            if closes > opens:  # empty when the whole interval falls in the hour skipped in spring
                out.append((opens, closes))
        return out

    def _add(self, start: datetime, duration: timedelta) -> datetime:
        if not any(self._nominal):
            raise ValueError("The calendar has no working hours")
        if self._always:
            return start + duration
        remaining = duration
        day = self._day_of(start)
        first = True
        while True:
            nominal = self._nominal[day.weekday()]
            if first or remaining <= nominal or not self._is_plain(day):
                for opens, closes in self._intervals(day):
                    if closes <= start:
                        continue
                    opens = max(opens, start)
                    if remaining <= closes - opens:
                        return opens + remaining
                    remaining -= closes - opens
            else:
                remaining -= nominal
            first = False
            day += _ONE_DAY

    def _between(self, start: datetime, end: datetime) -> timedelta:
        if end <= start:
            return timedelta()
        if self._always:
            return end - start
        first, last = self._day_of(start), self._day_of(end)
        total = timedelta()
        day = first
        while day <= last:
            if first < day < last and self._is_plain(day):
                total += self._nominal[day.weekday()]
            else:
                for opens, closes in self._intervals(day):
                    overlap = min(closes, end) - max(opens, start)
                    if overlap > timedelta():
                        total += overlap
            day += _ONE_DAY
        return total


def add_business_minutes(calendar: Calendar, start: datetime, minutes: int) -> datetime:
    """The UTC instant at which ``minutes`` of working time after ``start`` have elapsed. Outside working
    hours the count begins at the next opening (so 0 minutes gives ``start`` itself, or the next opening)."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    return calendar._add(_utc(start, "start"), timedelta(minutes=minutes))


def business_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Whole working minutes in [start, end), floored; 0 when ``end`` is not after ``start``."""
    return calendar._between(_utc(start, "start"), _utc(end, "end")) // _ONE_MINUTE


def business_minutes_between_excluding(calendar: Calendar, start: datetime, end: datetime,
                                       paused: Sequence[tuple[datetime, datetime | None]]) -> int:
    """Like ``business_minutes_between`` without the paused periods (e.g. pending on the customer). Periods
    may overlap each other or reach outside [start, end); a period with no end is still running."""
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        return 0
    windows = []
    for pause_start, pause_end in paused:
        low = max(_utc(pause_start, "pause start"), start)
        high = end if pause_end is None else min(_utc(pause_end, "pause end"), end)
        if high > low:
            windows.append((low, high))
    total = timedelta()
    cursor = start
    for low, high in sorted(windows):
        if low > cursor:
            total += calendar._between(cursor, low)
        cursor = max(cursor, high)
    total += calendar._between(cursor, end)
    return total // _ONE_MINUTE


def first_response_due(calendar: Calendar, first_inbound_at: datetime,
                       minutes: int = FIRST_RESPONSE_MINUTES) -> datetime:
    """When the first public reply is due (DESIGN §4: 2 business hours by default)."""
    return add_business_minutes(calendar, first_inbound_at, minutes)


def window_closes(channel: str, last_inbound_at: datetime | None) -> datetime | None:
    """When WhatsApp / Messenger stop accepting free-form replies: 24 h after the customer's last message.
    Other channels have no window (None)."""
    if channel not in WINDOW_CHANNELS or last_inbound_at is None:
        return None
    return _utc(last_inbound_at, "last_inbound_at") + MESSAGING_WINDOW


def reply_by(*, sla_due: datetime | None, window_closes: datetime | None) -> datetime | None:
    """The ticket's one reply-by time: the earlier of the SLA target and the window closing, whichever is set."""
    # Compared in UTC: two datetimes of the same zone compare by wall time, wrongly in the hour repeated in autumn.
    candidates = [_utc(moment, "reply_by") for moment in (sla_due, window_closes) if moment is not None]
    return min(candidates) if candidates else None


# Helpers -------------------------------------------------------------------------------------------------------


def _utc(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {moment!r}")
    return moment.astimezone(UTC)


def _clock_seconds(moment: time) -> int:
    if not isinstance(moment, time) or moment.tzinfo is not None or moment.microsecond:
        raise ValueError(f"A working time is a naive time of day to the second, not {moment!r}")
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _weekly_segments(hours: Mapping[int, tuple[Interval, ...]]) -> tuple[Segments, ...]:
    """Seven days of merged [start, end) seconds; intervals past midnight are split onto the next weekday."""
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for weekday, intervals in hours.items():
        for start, end in intervals:
            opens, closes = _clock_seconds(start), _clock_seconds(end)
            if closes > opens:
                days[weekday].append((opens, closes))
            else:
                days[weekday].append((opens, _DAY_SECONDS))
                if closes:
                    days[(weekday + 1) % 7].append((0, closes))
    merged_days = []
    for day in days:
        merged: list[tuple[int, int]] = []
        for opens, closes in sorted(day):
            if merged and opens <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
            else:
                merged.append((opens, closes))
        merged_days.append(tuple(merged))
    return tuple(merged_days)


def _parse_weekday(key: object) -> int:
    if isinstance(key, str) and key.isdigit():
        key = int(key)
    if type(key) is not int or not 0 <= key <= 6:
        raise ValueError(f"A weekday is 0 (Monday) to 6 (Sunday), not {key!r}")
    return key


def _parse_clock(text: object, *, may_be_midnight: bool) -> time:
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"A working time is written HH:MM, not {text!r}")
    hour, minute = int(match[1]), int(match[2])
    if may_be_midnight and (hour, minute) == (24, 0):
        return time(0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time of day" + (" (24:00 may only end an interval)" * (hour == 24)))
    return time(hour, minute)


def _parse_holiday(day: date | str) -> date:
    if isinstance(day, str):
        try:
            return date.fromisoformat(day)
        except ValueError as exc:
            raise ValueError(f"A holiday is a date (YYYY-MM-DD), not {day!r}") from exc
    if type(day) is not date:
        raise ValueError(f"A holiday is a date, not {day!r}")
    return day


ALWAYS = Calendar.always()  # 24/7 in UTC: the clock of a policy with no calendar (after the helpers it needs)
