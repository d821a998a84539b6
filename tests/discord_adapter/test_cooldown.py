"""Per-user cooldowns, with a hand-driven clock."""

from __future__ import annotations

import pytest

from bot.discord_adapter.cooldown import Cooldown, SlowDown


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_second_action_inside_the_window_is_refused_with_the_wait() -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    cooldown.hit(1)
    clock.now += 1.2
    with pytest.raises(SlowDown) as refused:
        cooldown.hit(1)
    assert refused.value.retry_after == pytest.approx(3.8)
    assert str(refused.value) == "Slow down a little: try again in 4 s."
    cooldown.hit(2)  # other users are not affected


def test_a_refused_attempt_does_not_extend_the_wait() -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    cooldown.hit(1)
    clock.now += 4.0
    with pytest.raises(SlowDown):
        cooldown.hit(1)
    clock.now += 1.0
    cooldown.hit(1)
    assert cooldown.retry_after(1) == 5.0


def test_zero_turns_it_off() -> None:
    cooldown = Cooldown(0.0, clock=Clock())
    for _ in range(10):
        cooldown.hit(1)
    assert cooldown.retry_after(1) == 0.0


def test_warned_once_per_window() -> None:
    clock = Clock()
    cooldown = Cooldown(5.0, clock=clock)
    cooldown.hit(1)
    assert cooldown.first_warning(1) is True
    assert cooldown.first_warning(1) is False
    clock.now += 5.0
    cooldown.hit(1)
    assert cooldown.first_warning(1) is True


def test_memory_is_bounded_by_active_users() -> None:
    clock = Clock()
    cooldown = Cooldown(1.0, clock=clock)
    for user in range(2000):
        cooldown.hit(user)
    clock.now += 2.0
    cooldown.hit(99_999)
    assert len(cooldown._last) == 1


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError):
        Cooldown(-1.0)
