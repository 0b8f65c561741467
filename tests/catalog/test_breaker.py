import pytest

from catalog.breaker import CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_closed_until_a_failure_then_rests_then_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(30.0, clock)
    breaker.before_call()  # closed: no exception
    breaker.failed("HTTP 503")
    assert breaker.is_open
    with pytest.raises(CircuitOpen) as raised:
        breaker.before_call()
    assert raised.value.reason == "HTTP 503" and raised.value.retry_in_s == pytest.approx(30.0)
    clock.now += 31
    breaker.before_call()  # the probe
    assert breaker.state() == "half-open"
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one probe at a time
    breaker.succeeded()
    assert breaker.state() == "closed"
    breaker.before_call()


def test_a_failed_probe_opens_it_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(10.0, clock)
    breaker.failed("timeout")
    clock.now += 11
    breaker.before_call()
    breaker.failed("timeout again")
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    assert "timeout again" in breaker.state()


def test_a_probe_that_ends_without_a_verdict_lets_the_next_one_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(10.0, clock)
    breaker.failed("timeout")
    clock.now += 11
    breaker.before_call()  # the probe, then cancelled
    breaker.release()
    breaker.before_call()  # another probe is allowed
    assert breaker.state() == "half-open"
