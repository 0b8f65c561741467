"""The colour mode follows the flavors' manifests (from inference ``GET /models``)."""

from gateway.upstreams import ModelSet


def model_set(*flavors: tuple[list[str], str]) -> ModelSet:
    return ModelSet.model_validate(
        {
            "model_set_version": "v1",
            "flavors": [
                {
                    "name": f"f{i}",
                    "version": 1,
                    "status": status,
                    "manifest": {"color_modes": modes},
                }
                for i, (modes, status) in enumerate(flavors)
            ],
        }
    )


def test_native_mode_of_the_flavors() -> None:
    assert model_set((["gray"], "available"), (["gray"], "available")).color_mode() == "gray"
    assert model_set((["rgb"], "available")).color_mode() == "rgb"


def test_a_mode_every_available_flavor_accepts_wins() -> None:
    flavors = (
        (["gray", "rgb"], "available"),
        (["rgb"], "available"),
        (["gray", "rgb"], "available"),
    )
    assert model_set(*flavors).color_mode() == "rgb"


def test_unavailable_flavors_do_not_vote() -> None:
    assert model_set((["gray"], "available"), (["rgb"], "unavailable")).color_mode() == "gray"
