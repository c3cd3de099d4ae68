"""The time rules: date-only moments, contact days, weekend and holiday shifts."""

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.language.durations import format_duration, parse_duration
from tactful.vocabulary.timecalc import Calendar, parse_days, parse_hours, zone_name, zone_names, zones

NY = ZoneInfo("America/New_York")


def test_a_date_alone_means_the_start_of_contact_hours_in_the_interviewers_zone():
    assert Calendar().at_start(date(2026, 5, 4), NY) == datetime(2026, 5, 4, 9, 0, tzinfo=NY)


def test_a_saturday_moves_forward_to_monday_morning():
    saturday = datetime(2026, 9, 19, 9, 0, tzinfo=NY)
    assert Calendar().forward(saturday) == datetime(2026, 9, 21, 9, 0, tzinfo=NY)


def test_after_hours_moves_to_the_next_contact_morning():
    friday_evening = datetime(2026, 9, 18, 18, 30, tzinfo=NY)
    assert Calendar().forward(friday_evening) == datetime(2026, 9, 21, 9, 0, tzinfo=NY)


def test_a_deadline_on_a_weekend_moves_back_to_friday():
    sunday = datetime(2026, 9, 20, 9, 0, tzinfo=NY)
    assert Calendar().shift(sunday, bound=sunday) == datetime(2026, 9, 18, 9, 0, tzinfo=NY)


def test_public_holidays_are_skipped_when_a_country_is_set():
    july_4th_2025 = datetime(2025, 7, 4, 9, 0, tzinfo=NY)  # a Friday
    assert Calendar(holidays="US").forward(july_4th_2025) == datetime(2025, 7, 7, 9, 0, tzinfo=NY)
    assert Calendar().forward(july_4th_2025) == july_4th_2025


def test_calendar_days_survive_a_daylight_saving_change():
    before = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
    assert (before + parse_duration("14 days")).time() == time(9, 0)


@pytest.mark.parametrize(("text", "days"), [("14 days", 14), ("2 weeks", 14), ("1 day", 1), ("36 hours", 1.5)])
def test_durations_read_as_people_write_them(text, days):
    assert parse_duration(text).total_seconds() == days * 86400


@pytest.mark.parametrize("text", ["-3 days", "three days", "3 fortnights", "", 5])
def test_malformed_or_negative_durations_are_rejected(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_format_back_in_the_largest_unit():
    assert format_duration(parse_duration("14 days")) == "2 weeks"
    assert format_duration(parse_duration("36 hours")) == "36 hours"


def test_contact_days_and_hours_are_checked():
    assert parse_days(["mon", "Tuesday"]) == frozenset({0, 1})
    assert parse_hours("08:30-16:00") == (time(8, 30), time(16, 0))
    with pytest.raises(ValueError, match="unknown day"):
        parse_days(["funday"])
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_hours("17:00-09:00")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["Europe/Paris", "UTC", "Asia/Tokyo", "+0530", "-0800"])),
                min_size=1, max_size=4))  # fmt: skip
def test_the_zones_a_store_keeps_beside_its_moments_read_back_as_written(names: list[str | None]) -> None:
    """What `zone_names` writes beside a row's moments, `zones` reads back: each moment's own
    zone, whether they share one zone object, two equal ones, or several."""
    from datetime import timedelta, timezone

    def tz(name: str) -> Any:
        if name[0] in "+-":
            hours, minutes = int(name[1:3]), int(name[3:])
            return timezone((1 if name[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes))
        return ZoneInfo(name)

    moments = [None if n is None else datetime(2026, 5, 4, 9, 0, tzinfo=tz(n)) for n in names]
    back = zones(zone_names(*moments), len(moments))
    for moment, zone_back in zip(moments, back, strict=True):
        if moment is not None:
            assert zone_name(moment.replace(tzinfo=zone_back)) == zone_name(moment), (names, back)
