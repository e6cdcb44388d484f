"""The demo's clock: real time plus an offset that only grows."""

import time

import pytest

from bot.clock import OffsetClock


def test_an_offset_clock_runs_with_real_time_and_jumps_when_advanced():
    clock = OffsetClock()
    assert abs(clock.time() - time.time()) < 1
    clock.advance(15 * 60)
    assert 15 * 60 - 1 < clock.time() - time.time() < 15 * 60 + 1
    assert clock.offset == 900 and clock.now().timestamp() == pytest.approx(clock.time(), abs=1)


def test_an_offset_clock_never_goes_back():
    with pytest.raises(ValueError, match="only moves forward"):
        OffsetClock().advance(-1)
