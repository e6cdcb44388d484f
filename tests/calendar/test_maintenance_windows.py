"""Window arithmetic in America/Los_Angeles: the first Saturday rule, DST in March and November,
month and year boundaries, typed windows, and when the notices fall."""

from datetime import datetime, timezone

import pytest

from commands.calendar_settings import MaintenanceSettings, Schedule
from commands.errors import CommandError
from commands.maintenance_windows import default_windows, describe, notice_times, parse_window
from commands.recurrence import cron_to_rrule, occurrences

RULE = MaintenanceSettings().window
LA = "America/Los_Angeles"


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def starts(after, count=3):
    return [w.start for w in default_windows(RULE, after, count)]


def test_the_default_window_is_the_first_saturday_at_two_pacific_standard_time_in_winter():
    [window] = default_windows(RULE, utc(2025, 2, 2), 1)
    assert (window.start, window.end) == (utc(2025, 3, 1, 10), utc(2025, 3, 1, 14))
    assert describe(window) == "Sat 1 Mar 2025, 02:00–06:00 PST (10:00–14:00 UTC), 4 h: monthly maintenance"


def test_the_window_after_the_march_change_starts_an_hour_earlier_in_utc():
    assert starts(utc(2025, 3, 2)) == [utc(2025, 4, 5, 9), utc(2025, 5, 3, 9), utc(2025, 6, 7, 9)]


def test_the_window_after_the_november_change_is_back_on_standard_time():
    assert starts(utc(2025, 10, 5), 2) == [utc(2025, 11, 1, 9), utc(2025, 12, 6, 10)]


def test_a_saturday_on_the_first_of_the_month_is_the_first_saturday():
    assert starts(utc(2025, 10, 5), 1) == [utc(2025, 11, 1, 9)]  # 1 Nov 2025 is a Saturday


def test_the_next_window_crosses_the_year_boundary():
    assert starts(utc(2025, 12, 7), 2) == [utc(2026, 1, 3, 10), utc(2026, 2, 7, 10)]


def test_a_window_in_progress_is_still_the_next_window():
    assert starts(utc(2025, 3, 1, 12), 1) == [utc(2025, 3, 1, 10)]


def test_the_announcement_is_three_days_before_on_the_wall_clock_and_the_reminder_one_hour_before():
    [window] = default_windows(RULE, utc(2025, 2, 2), 1)
    assert notice_times(window, MaintenanceSettings()) == {
        "announcement": utc(2025, 2, 26, 10),
        "reminder": utc(2025, 3, 1, 9),
        "start": utc(2025, 3, 1, 10),
        "completion": utc(2025, 3, 1, 14),
    }


def test_an_announcement_across_the_spring_change_keeps_its_local_time():
    window = parse_window("2026-03-10", "02:00-06:00", "", LA, utc(2026, 1, 1))
    assert notice_times(window, MaintenanceSettings())["announcement"] == utc(2026, 3, 7, 10)  # 02:00 PST


def test_a_typed_window_over_the_spring_change_is_an_hour_shorter():
    window = parse_window("2026-03-08", "01:00-04:00", "kernel", LA, utc(2026, 1, 1))
    assert (window.start, window.end) == (utc(2026, 3, 8, 9), utc(2026, 3, 8, 11))
    assert describe(window) == "Sun 8 Mar 2026, 01:00–04:00 PST/PDT (09:00–11:00 UTC), 2 h: kernel"


def test_a_typed_window_may_end_after_midnight():
    window = parse_window("2025-12-31", "22:00-02:00", "", LA, utc(2025, 1, 1))
    assert (window.start, window.end) == (utc(2026, 1, 1, 6), utc(2026, 1, 1, 10))


@pytest.mark.parametrize(
    "day, span, message",
    [
        ("08/03/2025", "02:00-06:00", "`08/03/2025` is not a date: write it as YYYY-MM-DD, e.g. 2025-03-08."),
        ("2025-03-08", "2am-6am", "`2am-6am` is not a time span: write HH:MM-HH:MM, e.g. 02:00-06:00."),
        (
            "2024-03-08",
            "02:00-06:00",
            "That window (Fri 8 Mar 2024, 02:00–06:00 PST (10:00–14:00 UTC)) is already over.",
        ),
    ],
)
def test_a_typed_window_that_cannot_be_used_says_why(day, span, message):
    with pytest.raises(CommandError) as caught:
        parse_window(day, span, "", LA, utc(2025, 1, 1))
    assert caught.value.message == message


def test_a_daily_nine_oclock_schedule_stays_at_nine_local_across_the_march_change():
    rule = Schedule(review="status", rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0").rule
    assert occurrences(rule, LA, utc(2025, 3, 8, 18), 2) == [utc(2025, 3, 9, 16), utc(2025, 3, 10, 16)]


def test_a_cron_schedule_is_the_same_as_its_rrule():
    assert cron_to_rrule("0 9 * * 1") == "FREQ=WEEKLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0;BYDAY=MO"
    assert occurrences(cron_to_rrule("30 14 * * 5"), LA, utc(2025, 10, 30), 2) == [
        utc(2025, 10, 31, 21, 30),
        utc(2025, 11, 7, 22, 30),
    ]


def test_a_schedule_with_both_or_neither_rule_is_refused():
    with pytest.raises(ValueError):
        Schedule(review="status")
    with pytest.raises(ValueError):
        Schedule(review="status", rrule="FREQ=DAILY", cron="0 9 * * *")
