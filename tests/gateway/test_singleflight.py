"""Identical concurrent requests are computed once."""

import asyncio
import functools

import pytest

from gateway.singleflight import SingleFlight


async def test_concurrent_callers_share_one_computation() -> None:
    flights: SingleFlight[int] = SingleFlight()
    calls = 0
    release = asyncio.Event()

    async def work() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return 42

    waiters = [asyncio.create_task(flights.run("k", work)) for _ in range(10)]
    await asyncio.sleep(0.01)
    assert flights.in_flight() == 1
    release.set()
    results = await asyncio.gather(*waiters)
    assert calls == 1
    assert [value for value, _ in results] == [42] * 10
    assert sum(shared for _, shared in results) == 9
    assert flights.in_flight() == 0


async def test_different_keys_do_not_share() -> None:
    flights: SingleFlight[str] = SingleFlight()

    async def work_for(key: str) -> str:
        await asyncio.sleep(0.01)
        return key

    results = await asyncio.gather(*(flights.run(k, functools.partial(work_for, k)) for k in "abc"))
    assert [value for value, _ in results] == ["a", "b", "c"]
    assert not any(shared for _, shared in results)


async def test_a_failure_reaches_every_waiter_and_the_next_call_retries() -> None:
    flights: SingleFlight[int] = SingleFlight()
    attempts = 0

    async def flaky() -> int:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.01)
        if attempts == 1:
            raise RuntimeError("upstream hiccup")
        return 7

    results = await asyncio.gather(
        *(flights.run("k", flaky) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await flights.run("k", flaky) == (7, False)
    assert attempts == 2


async def test_a_caller_going_away_does_not_cancel_the_others() -> None:
    flights: SingleFlight[int] = SingleFlight()
    release = asyncio.Event()

    async def work() -> int:
        await release.wait()
        return 1

    leaver = asyncio.create_task(flights.run("k", work))
    stayer = asyncio.create_task(flights.run("k", work))
    await asyncio.sleep(0.01)
    leaver.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leaver
    release.set()
    assert await stayer == (1, True)
