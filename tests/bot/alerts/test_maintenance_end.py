"""When "Silence until the end of the maintenance window" silences until, read from the real calendar:
the open window's end, a drained platform's window end, the default length after an unscheduled
drain, and nothing at all outside maintenance."""

from datetime import datetime, timezone

from bot import calendar
from bot.alerts.window import maintenance_end
from bot.clock import ManualClock
from bot.config import Settings
from bot.state import Store


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def running(tmp_path, at: datetime):
    clock = ManualClock(at)
    return calendar.build(Store(tmp_path / "db"), Settings.model_validate({}), clock), clock


def test_inside_the_default_window_it_is_the_windows_end(tmp_path):
    found, clock = running(tmp_path, utc(2025, 3, 1, 11))  # Saturday 1 March, 03:00 in Los Angeles
    assert maintenance_end(found, clock.time()) == utc(2025, 3, 1, 14).timestamp()


def test_outside_maintenance_there_is_no_end(tmp_path):
    found, clock = running(tmp_path, utc(2025, 3, 4, 11))
    assert maintenance_end(found, clock.time()) is None
    assert maintenance_end(None, clock.time()) is None


def test_an_unscheduled_drain_lasts_the_default_window_length_from_when_it_began(tmp_path):
    found, clock = running(tmp_path, utc(2025, 3, 4, 11))
    found.record_drain("adhoc-2025-03-04T11:00Z", {"rag-service": 3}, "@U0OPS1")
    assert maintenance_end(found, clock.time()) == utc(2025, 3, 4, 15).timestamp()
    clock.advance(5 * 3600)
    assert maintenance_end(found, clock.time()) is None
