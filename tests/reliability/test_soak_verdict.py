"""The soak's leak verdict reads the floor of each process's memory, not its slope: a heap that
grows and is given back is a plateau; a floor that climbs is a leak."""

from collections.abc import Sequence

from devstack.soak import LEAK_MIB_PER_HOUR, Sample, floor_rise_mib_per_hour, quarter_floors


def samples(mib: Sequence[float]) -> list[Sample]:
    return [(float(t), {"p": int(v * 1024)}, {"p": 0.0}) for t, v in enumerate(mib)]


def test_a_saw_tooth_is_a_plateau() -> None:
    tooth = [90 + (t % 20) for t in range(61)]  # climbs 19 MiB, falls back, 3 times
    floors = quarter_floors(samples(tooth))["p"]
    assert floors[1] == floors[3] == 90
    assert floor_rise_mib_per_hour(floors, 60) == 0


def test_a_climbing_floor_is_a_leak() -> None:
    leak = [90 + t / 4 + (t % 5) for t in range(61)]  # +15 MiB/h under some noise
    floors = quarter_floors(samples(leak))["p"]
    assert floor_rise_mib_per_hour(floors, 60) > LEAK_MIB_PER_HOUR
