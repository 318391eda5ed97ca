"""Business-time arithmetic of SLAs (tickets/sla.py): fixed clocks, explicit aware datetimes, no database."""

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.sla import (
    ALWAYS,
    Calendar,
    add_business_minutes,
    business_minutes_between,
    business_minutes_between_excluding,
    first_response_due,
    reply_by,
    window_closes,
)

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS_9_TO_18 = {str(day): [["09:00", "18:00"]] for day in range(5)}
BERLIN_DESK = Calendar.from_json("Europe/Berlin", WEEKDAYS_9_TO_18, [])
WHIT_MONDAY_2026 = date(2026, 5, 25)
BERLIN_DESK_WITH_HOLIDAY = Calendar.from_json("Europe/Berlin", WEEKDAYS_9_TO_18, ["2026-05-25"])
# Also works Sundays around the clock, to see the DST changes (last Sundays of March and October 2026).
BERLIN_SUNDAYS = Calendar.from_json("Europe/Berlin", {**WEEKDAYS_9_TO_18, "6": [["00:00", "24:00"]]}, [])
SHANGHAI_DESK = Calendar.from_json(
    "Asia/Shanghai", {str(day): [["09:00", "12:00"], ["13:30", "18:00"]] for day in range(5)}, ["2026-10-01"])


def berlin(*args):
    return datetime(*args, tzinfo=BERLIN)


def shanghai(*args):
    return datetime(*args, tzinfo=SHANGHAI)


# The brief's cases ---------------------------------------------------------------------------------------------


def test_friday_evening_message_is_due_monday_morning():
    friday = berlin(2026, 6, 12, 17, 30)

    due = first_response_due(BERLIN_DESK, friday)

    assert due == berlin(2026, 6, 15, 10, 30)
    assert due.tzinfo is UTC
    assert due == add_business_minutes(BERLIN_DESK, friday, 120)
    assert business_minutes_between(BERLIN_DESK, friday, due) == 120


def test_a_holiday_monday_pushes_the_target_to_tuesday():
    friday = berlin(2026, 5, 22, 17, 30)

    assert first_response_due(BERLIN_DESK, friday) == berlin(2026, 5, 25, 10, 30)
    assert first_response_due(BERLIN_DESK_WITH_HOLIDAY, friday) == berlin(2026, 5, 26, 10, 30)
    assert BERLIN_DESK_WITH_HOLIDAY.holidays == frozenset({WHIT_MONDAY_2026})
    assert business_minutes_between(BERLIN_DESK_WITH_HOLIDAY, friday, berlin(2026, 5, 26, 10, 30)) == 120


def test_pending_periods_are_left_out_of_the_measured_time():
    inbound, answered = berlin(2026, 6, 15, 9, 0), berlin(2026, 6, 15, 15, 0)
    paused = [
        (berlin(2026, 6, 15, 10, 0), berlin(2026, 6, 15, 11, 0)),
        (berlin(2026, 6, 15, 10, 30), berlin(2026, 6, 15, 12, 0)),  # overlaps the first: 10:00–12:00 in all
        (berlin(2026, 6, 14, 10, 0), berlin(2026, 6, 14, 12, 0)),  # the day before: nothing to take off
        (berlin(2026, 6, 15, 14, 30), None),  # still pending
    ]

    assert business_minutes_between(BERLIN_DESK, inbound, answered) == 360
    assert business_minutes_between_excluding(BERLIN_DESK, inbound, answered, paused) == 360 - 120 - 30
    assert business_minutes_between_excluding(BERLIN_DESK, inbound, answered, []) == 360


def test_a_pause_over_the_night_only_takes_off_working_time():
    start, end = berlin(2026, 6, 15, 17, 0), berlin(2026, 6, 16, 10, 0)
    pending = [(berlin(2026, 6, 15, 17, 30), berlin(2026, 6, 16, 9, 30))]

    assert business_minutes_between(BERLIN_DESK, start, end) == 120
    assert business_minutes_between_excluding(BERLIN_DESK, start, end, pending) == 60
    assert business_minutes_between_excluding(BERLIN_DESK, start, end, [(start - timedelta(days=3), None)]) == 0


def test_whatsapp_window_closing_before_the_sla_target_is_the_reply_by_time():
    inbound = berlin(2026, 6, 12, 17, 30)
    sla_due = first_response_due(BERLIN_DESK, inbound)  # Monday 10:30
    closes = window_closes("whatsapp", inbound)

    assert closes == berlin(2026, 6, 13, 17, 30)
    assert reply_by(sla_due=sla_due, window_closes=closes) == closes


def test_the_sla_target_wins_when_it_comes_first_or_there_is_no_window():
    inbound = berlin(2026, 6, 15, 9, 0)
    sla_due = first_response_due(BERLIN_DESK, inbound)

    assert sla_due == berlin(2026, 6, 15, 11, 0)
    assert reply_by(sla_due=sla_due, window_closes=window_closes("messenger", inbound)) == sla_due
    assert window_closes("email", inbound) is None
    assert window_closes("webchat", inbound) is None
    assert window_closes("whatsapp", None) is None
    assert reply_by(sla_due=sla_due, window_closes=None) == sla_due
    assert reply_by(sla_due=None, window_closes=inbound) == inbound
    assert reply_by(sla_due=None, window_closes=None) is None


def test_reply_by_compares_instants_not_wall_times_in_the_repeated_autumn_hour():
    summer_time = datetime(2026, 10, 25, 2, 50, fold=0, tzinfo=BERLIN)  # 00:50 UTC
    winter_time = datetime(2026, 10, 25, 2, 10, fold=1, tzinfo=BERLIN)  # 01:10 UTC, earlier on the wall clock

    assert reply_by(sla_due=winter_time, window_closes=summer_time) == datetime(2026, 10, 25, 0, 50, tzinfo=UTC)


def test_a_day_worked_around_the_clock_lasts_23_hours_when_dst_starts():
    saturday, monday = berlin(2026, 3, 28, 12, 0), berlin(2026, 3, 30, 0, 0)

    assert business_minutes_between(BERLIN_SUNDAYS, saturday, monday) == 23 * 60
    # Three working hours after Sunday midnight the clock shows 04:00: it skipped from 02:00 to 03:00.
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 180) == berlin(2026, 3, 29, 4, 0)
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 180) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    # A full day's 24 h: 23 on Sunday, then Monday 09:00–10:00, now in summer time.
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 24 * 60) == berlin(2026, 3, 30, 10, 0)
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 24 * 60) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_a_day_worked_around_the_clock_lasts_25_hours_when_dst_ends():
    saturday, monday = berlin(2026, 10, 24, 12, 0), berlin(2026, 10, 26, 0, 0)

    assert business_minutes_between(BERLIN_SUNDAYS, saturday, monday) == 25 * 60
    # Three hours after midnight (summer time) it is 02:00 for the second time, in winter time.
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 180) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 24 * 60) == berlin(2026, 10, 25, 23, 0)
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 25 * 60) == berlin(2026, 10, 26, 0, 0)
    assert add_business_minutes(BERLIN_SUNDAYS, saturday, 25 * 60 + 1) == berlin(2026, 10, 26, 9, 1)


def test_office_hours_are_wall_clock_hours_on_both_sides_of_a_dst_change():
    for friday, monday in ((date(2026, 3, 27), date(2026, 3, 30)), (date(2026, 10, 23), date(2026, 10, 26))):
        late_friday = datetime.combine(friday, time(17, 30), BERLIN)
        due = first_response_due(BERLIN_DESK, late_friday)

        assert due == datetime.combine(monday, time(10, 30), BERLIN)
        assert business_minutes_between(BERLIN_DESK, late_friday, due) == 120


def test_an_interval_in_the_hour_the_clock_skips_or_repeats():
    night = Calendar.from_json("Europe/Berlin", {"6": [["02:00", "03:00"]]}, [])

    # March: 02:00–03:00 never shows on the clock. October: from the first 02:00 until 03:00, two hours.
    assert business_minutes_between(night, berlin(2026, 3, 28), berlin(2026, 3, 30)) == 0
    assert business_minutes_between(night, berlin(2026, 10, 24), berlin(2026, 10, 26)) == 120
    assert business_minutes_between(night, berlin(2026, 6, 13), berlin(2026, 6, 15)) == 60
    assert add_business_minutes(night, berlin(2026, 3, 28), 30) == berlin(2026, 4, 5, 2, 30)


# A far-away holiday keeps the last one off the 24/7 shortcut: it goes through the day-by-day walk.
AROUND_THE_CLOCK_WALKED = Calendar.from_json(
    "Europe/Berlin", {str(day): [["00:00", "24:00"]] for day in range(7)}, ["2031-01-01"])


@pytest.mark.parametrize("calendar", [ALWAYS, Calendar.always("Europe/Berlin"), Calendar.always("Asia/Shanghai"),
                                      AROUND_THE_CLOCK_WALKED])
@pytest.mark.parametrize("start", [berlin(2026, 3, 28, 22, 17), berlin(2026, 10, 24, 23, 59, 30),
                                   datetime(2026, 1, 1, tzinfo=UTC)])
@pytest.mark.parametrize("minutes", [0, 1, 59, 60 * 24, 60 * 24 * 9 + 7, 525_600])
def test_a_calendar_open_around_the_clock_is_plain_addition(calendar, start, minutes):
    due = add_business_minutes(calendar, start, minutes)

    # In UTC: adding to a Europe/Berlin datetime would add wall-clock time, one hour off across a DST change.
    assert due == start.astimezone(UTC) + timedelta(minutes=minutes)
    assert business_minutes_between(calendar, start, due) == minutes


def test_always_is_every_day_around_the_clock_in_utc():
    every_day = Calendar.from_json("UTC", {str(d): [["00:00", "24:00"]] for d in range(7)}, [])

    assert every_day == ALWAYS
    assert ALWAYS.time_zone == "UTC"
    assert ALWAYS.holidays == frozenset()


def test_shanghai_lunch_break_is_not_working_time():
    assert add_business_minutes(SHANGHAI_DESK, shanghai(2026, 6, 15, 11, 30), 60) == shanghai(2026, 6, 15, 14, 0)
    assert add_business_minutes(SHANGHAI_DESK, shanghai(2026, 6, 15, 12, 15), 30) == shanghai(2026, 6, 15, 14, 0)
    assert add_business_minutes(SHANGHAI_DESK, shanghai(2026, 6, 15, 11, 0), 60) == shanghai(2026, 6, 15, 12, 0)
    assert business_minutes_between(SHANGHAI_DESK, shanghai(2026, 6, 15, 0, 0), shanghai(2026, 6, 16, 0, 0)) == 450
    assert business_minutes_between(SHANGHAI_DESK, shanghai(2026, 6, 15, 12, 0), shanghai(2026, 6, 15, 13, 30)) == 0
    # Friday 17:00 + 2 h: one hour on Friday, one on Monday. The National Day holiday (Thursday 1 October) is off.
    assert first_response_due(SHANGHAI_DESK, shanghai(2026, 6, 12, 17, 0)) == shanghai(2026, 6, 15, 10, 0)
    assert first_response_due(SHANGHAI_DESK, shanghai(2026, 9, 30, 17, 0)) == shanghai(2026, 10, 2, 10, 0)


def test_a_calendar_with_no_working_time_is_refused():
    start = berlin(2026, 6, 12, 17, 30)
    for closed in (Calendar(), Calendar.from_json("Europe/Berlin", {"0": [], "6": []}, []),
                   Calendar.from_json("Europe/Berlin", None, ["2026-06-15"])):
        with pytest.raises(ValueError, match="no working hours"):
            add_business_minutes(closed, start, 120)
        with pytest.raises(ValueError, match="no working hours"):
            first_response_due(closed, start)
        assert business_minutes_between(closed, start, start + timedelta(days=30)) == 0


# Calendar shapes -----------------------------------------------------------------------------------------------


def test_overnight_intervals_run_into_the_next_day_and_holidays_cut_them():
    night_shift = Calendar.from_json("Europe/Berlin", {"4": [["22:00", "06:00"]]}, [])
    saturday_off = Calendar.from_json("Europe/Berlin", {"4": [["22:00", "06:00"]]}, ["2026-06-13"])
    friday_evening, saturday_morning = berlin(2026, 6, 12, 21, 0), berlin(2026, 6, 13, 7, 0)

    assert business_minutes_between(night_shift, friday_evening, saturday_morning) == 8 * 60
    assert add_business_minutes(night_shift, friday_evening, 3 * 60) == berlin(2026, 6, 13, 1, 0)
    assert business_minutes_between(saturday_off, friday_evening, saturday_morning) == 2 * 60
    assert add_business_minutes(saturday_off, friday_evening, 3 * 60) == berlin(2026, 6, 19, 23, 0)


def test_sunday_night_runs_into_monday():
    calendar = Calendar.from_json("UTC", {"6": [["20:00", "02:00"]]}, [])
    sunday, tuesday = datetime(2026, 6, 14, tzinfo=UTC), datetime(2026, 6, 16, tzinfo=UTC)

    assert business_minutes_between(calendar, sunday, tuesday) == 360
    # Monday 01:00–02:00 is the end of Sunday's night; the next half hour is the following Sunday evening.
    assert add_business_minutes(calendar, datetime(2026, 6, 15, 1, 0, tzinfo=UTC), 90) == datetime(
        2026, 6, 21, 20, 30, tzinfo=UTC)


def test_overlapping_and_touching_intervals_are_merged():
    messy = Calendar.from_json("UTC", {"0": [["13:00", "18:00"], ["09:00", "12:00"], ["11:00", "13:00"]]}, [])
    tidy = Calendar.from_json("UTC", {"0": [["09:00", "18:00"]]}, [])
    start = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)

    assert business_minutes_between(messy, start, start + timedelta(days=1)) == 540
    for minutes in (0, 1, 239, 240, 541, 10_000):
        assert add_business_minutes(messy, start, minutes) == add_business_minutes(tidy, start, minutes)


def test_the_calendar_can_be_built_from_times_directly():
    built = Calendar(time_zone="Europe/Berlin", hours={day: ((time(9), time(18)),) for day in range(5)},
                     holidays=frozenset({WHIT_MONDAY_2026}))

    assert built == BERLIN_DESK_WITH_HOLIDAY
    assert hash(built) == hash(BERLIN_DESK_WITH_HOLIDAY)
    assert pickle.loads(pickle.dumps(built)) == built  # noqa: S301 - our own bytes
    assert Calendar.from_json("UTC", {"0": [["09:00", "24:00"]]}, []).hours == {0: ((time(9), time(0)),)}


def test_start_outside_working_hours_counts_from_the_next_opening():
    saturday = berlin(2026, 6, 13, 11, 0)

    assert add_business_minutes(BERLIN_DESK, saturday, 0) == berlin(2026, 6, 15, 9, 0)
    assert add_business_minutes(BERLIN_DESK, berlin(2026, 6, 15, 10, 0), 0) == berlin(2026, 6, 15, 10, 0)
    assert add_business_minutes(BERLIN_DESK, berlin(2026, 6, 15, 17, 30), 30) == berlin(2026, 6, 15, 18, 0)
    assert add_business_minutes(BERLIN_DESK, berlin(2026, 6, 15, 18, 0), 1) == berlin(2026, 6, 16, 9, 1)


def test_minutes_are_floored_and_an_empty_range_is_zero():
    monday = berlin(2026, 6, 15, 9, 0)

    assert business_minutes_between(BERLIN_DESK, monday, monday + timedelta(seconds=119, microseconds=999)) == 1
    assert business_minutes_between(BERLIN_DESK, monday, monday) == 0
    assert business_minutes_between(BERLIN_DESK, monday, monday - timedelta(hours=1)) == 0
    assert business_minutes_between_excluding(BERLIN_DESK, monday, monday - timedelta(hours=1), []) == 0


def test_large_minute_counts_skip_whole_days():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ten_million = 10_000_000  # about 70 years of a 45-hour week

    due = add_business_minutes(BERLIN_DESK_WITH_HOLIDAY, start, ten_million)

    assert due.year == 2096
    assert business_minutes_between(BERLIN_DESK_WITH_HOLIDAY, start, due) == ten_million
    assert business_minutes_between(BERLIN_DESK_WITH_HOLIDAY, start, due - timedelta(seconds=1)) == ten_million - 1


# Bad input -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours_json", [
    {"7": [["09:00", "18:00"]]},
    {"mon": [["09:00", "18:00"]]},
    {"0": [["09:00", "18:00"]], 0: []},
    {"0": "09:00-18:00"},
    {"0": [["09:00"]]},
    {"0": ["09:00", "18:00"]},
    {"0": [["9h", "18:00"]]},
    {"0": [["09:00", "25:00"]]},
    {"0": [["09:60", "18:00"]]},
    {"0": [["24:00", "09:00"]]},
    {"0": [["09:00", "09:00"]]},
    {"0": [[900, 1800]]},
    [["09:00", "18:00"]],
])
def test_malformed_hours_are_refused(hours_json):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Calendar.from_json("Europe/Berlin", hours_json, [])


def test_unknown_time_zone_and_bad_holidays_are_refused():
    with pytest.raises(ValueError, match="Unknown time zone"):
        Calendar.from_json("Europe/Atlantis", WEEKDAYS_9_TO_18, [])
    with pytest.raises(ValueError, match="holiday"):
        Calendar.from_json("Europe/Berlin", WEEKDAYS_9_TO_18, ["2026-13-01"])
    with pytest.raises(ValueError, match="Holidays are dates"):
        Calendar(holidays=frozenset({datetime(2026, 5, 25, tzinfo=UTC)}))
    with pytest.raises(ValueError, match="weekday"):
        Calendar(hours={7: ((time(9), time(18)),)})
    with pytest.raises(ValueError, match="naive time of day"):
        Calendar(hours={0: ((time(9, tzinfo=UTC), time(18)),)})


def test_naive_datetimes_and_negative_minutes_are_refused():
    naive = datetime(2026, 6, 15, 9, 0)
    aware = berlin(2026, 6, 15, 9, 0)

    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(BERLIN_DESK, naive, 10)
    with pytest.raises(ValueError, match="aware"):
        business_minutes_between(BERLIN_DESK, aware, naive)
    with pytest.raises(ValueError, match="aware"):
        business_minutes_between_excluding(BERLIN_DESK, aware, aware + timedelta(hours=1), [(naive, None)])
    with pytest.raises(ValueError, match="aware"):
        window_closes("whatsapp", naive)
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(BERLIN_DESK, aware, -1)


# Properties ------------------------------------------------------------------------------------------------------

CALENDARS = [
    BERLIN_DESK_WITH_HOLIDAY,
    BERLIN_SUNDAYS,
    SHANGHAI_DESK,
    Calendar.from_json("America/New_York", {"0": [["08:00", "12:00"], ["22:00", "02:30"]], "3": [["01:30", "03:00"]],
                                            "6": [["00:00", "24:00"]]}, ["2026-11-01", "2027-03-14"]),
    ALWAYS,
]
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=moments, minutes=st.integers(min_value=0, max_value=60_000))
def test_minutes_between_is_the_inverse_of_add(calendar, start, minutes):
    due = add_business_minutes(calendar, start, minutes)

    assert due >= start
    assert business_minutes_between(calendar, start, due) == minutes
    assert business_minutes_between_excluding(calendar, start, due, []) == minutes
    if minutes:
        assert business_minutes_between(calendar, start, due - timedelta(microseconds=1)) == minutes - 1


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=moments,
       span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
       cut=st.floats(min_value=0, max_value=1))
def test_between_adds_up_over_a_split_and_add_never_overshoots(calendar, start, span, cut):
    end = start + span
    middle = start + span * cut
    minutes = business_minutes_between(calendar, start, end)
    parts = business_minutes_between(calendar, start, middle) + business_minutes_between(calendar, middle, end)

    assert parts in {minutes, minutes - 1}  # each part is floored
    if minutes:
        assert add_business_minutes(calendar, start, minutes) <= end


def _working_minute(calendar_hours, zone, holidays, moment):
    """Oracle for calendars away from DST changes: is the local wall time inside an interval of its day?"""
    local = moment.astimezone(zone)
    if local.date() in holidays:
        return False
    return any(start <= local.time() < end for start, end in calendar_hours.get(local.weekday(), ()))


@settings(max_examples=100, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 4, 1), max_value=datetime(2026, 9, 30), timezones=st.just(UTC)),
       span_minutes=st.integers(min_value=0, max_value=4 * 24 * 60))
def test_between_matches_a_minute_by_minute_count(start, span_minutes):
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=span_minutes)
    for calendar, zone in ((BERLIN_DESK_WITH_HOLIDAY, BERLIN), (SHANGHAI_DESK, SHANGHAI)):
        expected = sum(_working_minute(calendar.hours, zone, calendar.holidays, start + timedelta(minutes=i))
                       for i in range(span_minutes))

        assert business_minutes_between(calendar, start, end) == expected
