"""GET /models: the flavors and the rejection classifiers, their manifests and whether each can
answer now."""

from fastapi import APIRouter

from inference.backends.base import Backend
from inference.deps import BackendDep, EnsembleDep, RegistryDep
from inference.registry import Flavor
from inference.schemas import FlavorEntry, ModelsResponse

router = APIRouter(tags=["models"])


def _entry(flavor: Flavor, backend: Backend) -> FlavorEntry:
    status = backend.status(flavor.name)
    return FlavorEntry(
        name=flavor.name,
        version=flavor.version,
        status="available" if status.available else "unavailable",
        reason=status.reason,
        manifest=flavor.manifest,
    )


@router.get("/models", summary="The flavors with their manifests and status")
async def list_models(
    registry: RegistryDep, backend: BackendDep, ensemble: EnsembleDep
) -> ModelsResponse:
    await backend.refresh()
    entries = [_entry(flavor, backend) for flavor in registry.flavors]
    for broken in registry.broken:
        entries.append(
            FlavorEntry(
                name=broken.name,
                version=broken.version or 0,
                status="unavailable",
                reason=broken.reason,
                manifest=broken.manifest,
            )
        )
    classifiers = [_entry(flavor, backend) for flavor in registry.classifiers]
    return ModelsResponse(
        model_set_version=registry.model_set_version,
        backend=backend.name,
        quorum=ensemble.quorum(len(registry.flavors)),
        flavors=sorted(entries, key=lambda e: e.name),
        calibration=registry.calibration,
        classifiers=sorted(classifiers, key=lambda e: e.name),
    )
