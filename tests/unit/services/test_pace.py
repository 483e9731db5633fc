"""The scheduler's send pace: never more than the cap a second, and no waiting while below it."""
import pytest

from shared.services.delivery import Pace


class Clock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_sends_are_spaced_at_the_cap():
    clock = Clock()
    pace = Pace(80, clock, clock.sleep)

    for _ in range(161):
        pace.wait()

    assert clock.now - 100.0 == pytest.approx(2.0)  # 161 sends: the first at once, then 160 gaps of 1/80 s
    assert all(s > 0 for s in clock.slept)


def test_a_sender_slower_than_the_cap_never_waits():
    clock = Clock()
    pace = Pace(80, clock, clock.sleep)

    for _ in range(10):
        pace.wait()
        clock.now += 0.2  # Meta's send takes 200 ms

    assert clock.slept == []


def test_no_cap_means_no_wait():
    clock = Clock()
    pace = Pace(0, clock, clock.sleep)

    for _ in range(5):
        pace.wait()

    assert clock.slept == []
