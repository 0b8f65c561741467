"""GET /models: the flavors, their manifests and whether each can answer now."""

from fastapi import APIRouter

from inference.deps import BackendDep, EnsembleDep, RegistryDep
from inference.schemas import FlavorEntry, ModelsResponse

router = APIRouter(tags=["models"])


@router.get("/models", summary="The flavors with their manifests and status")
async def list_models(
    registry: RegistryDep, backend: BackendDep, ensemble: EnsembleDep
) -> ModelsResponse:
    await backend.refresh()
    entries = []
    for flavor in registry.flavors:
        status = backend.status(flavor.name)
        entries.append(
            FlavorEntry(
                name=flavor.name,
                version=flavor.version,
                status="available" if status.available else "unavailable",
                reason=status.reason,
                manifest=flavor.manifest,
            )
        )
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
    return ModelsResponse(
        model_set_version=registry.model_set_version,
        backend=backend.name,
        quorum=ensemble.quorum(len(registry.flavors)),
        flavors=sorted(entries, key=lambda e: e.name),
        calibration=registry.calibration,
    )
