"""The tfserving backend: TF Serving's gRPC PredictionService and ModelService through
``tensorflow-serving-api``, one long-lived ``grpc.aio`` channel per TF Serving address."""

import asyncio
import time
from typing import Any, ClassVar

import grpc
import numpy as np
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from inference.backends.base import Backend, FlavorStatus, Images, Raw
from inference.errors import FlavorError
from inference.registry import Flavor, Registry
from inference.settings import InferenceSettings
from inference.signatures import SignatureInfo, TensorInfo, signature_mismatch
from servicekit.logging import get_logger

log = get_logger("inference.tfserving")

_DTYPES = {
    types_pb2.DT_FLOAT: "float32",
    types_pb2.DT_DOUBLE: "float64",
    types_pb2.DT_HALF: "float16",
    types_pb2.DT_INT32: "int32",
    types_pb2.DT_INT64: "int64",
    types_pb2.DT_UINT8: "uint8",
    types_pb2.DT_STRING: "string",
}
_AVAILABLE = get_model_status_pb2.ModelVersionStatus.State.AVAILABLE


def channel_options(max_message_bytes: int) -> list[tuple[str, Any]]:
    return [
        ("grpc.max_send_message_length", max_message_bytes),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.keepalive_time_ms", 30_000),
        # TF Serving may start after this service or restart: reconnect within seconds.
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.min_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 2_000),
    ]


def to_tensor_proto(array: np.ndarray[Any, Any]) -> tensor_pb2.TensorProto:
    """A float32 array as a TensorProto carrying its bytes in ``tensor_content``."""
    array = np.ascontiguousarray(array, dtype=np.float32)
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(d)) for d in array.shape]
    )
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_FLOAT, tensor_shape=shape, tensor_content=array.tobytes()
    )


def from_tensor_proto(proto: tensor_pb2.TensorProto) -> np.ndarray[Any, Any]:
    """A float32 TensorProto back to an array (``tensor_content`` or ``float_val``)."""
    if proto.dtype != types_pb2.DT_FLOAT:
        raise FlavorError(f"output is {_DTYPES.get(proto.dtype, proto.dtype)}, expected float32")
    shape = [d.size for d in proto.tensor_shape.dim]
    if proto.tensor_content:
        values = np.frombuffer(proto.tensor_content, dtype="<f4")
    else:
        values = np.asarray(proto.float_val, dtype=np.float32)
        count = int(np.prod(shape)) if shape else 1
        if values.size == 1 and count > 1:
            values = np.full(count, values[0], np.float32)
    return values.astype(np.float32).reshape(shape)


def _tensor_info(info: Any) -> TensorInfo:
    shape = info.tensor_shape
    dims = None if shape.unknown_rank else tuple(None if d.size < 0 else d.size for d in shape.dim)
    return TensorInfo(
        dtype=_DTYPES.get(info.dtype, types_pb2.DataType.Name(info.dtype)), shape=dims
    )


def signature_from_def(signature_def: Any) -> SignatureInfo:
    return SignatureInfo(
        inputs={key: _tensor_info(v) for key, v in signature_def.inputs.items()},
        outputs={key: _tensor_info(v) for key, v in signature_def.outputs.items()},
    )


def _rpc_reason(exc: grpc.aio.AioRpcError, address: str) -> str:
    code = exc.code()
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return "deadline exceeded"
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"TF Serving at {address} is unreachable"
    return f"TF Serving {code.name}: {exc.details()}"


class TFServingBackend(Backend):
    name: ClassVar[str] = "tfserving"

    def __init__(self, registry: Registry, settings: InferenceSettings) -> None:
        super().__init__(registry, settings)
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._predict: dict[str, prediction_service_pb2_grpc.PredictionServiceStub] = {}
        self._models: dict[str, model_service_pb2_grpc.ModelServiceStub] = {}
        self._checked_at: dict[str, float] = {}
        self._refresh_lock = asyncio.Lock()

    def address(self, flavor: Flavor) -> str:
        return self.settings.tfserving_addresses.get(flavor.name, self.settings.tfserving_address)

    def _channel(self, address: str) -> grpc.aio.Channel:
        if address not in self._channels:
            self._channels[address] = grpc.aio.insecure_channel(
                address, options=channel_options(self.settings.grpc_max_message_bytes)
            )
        return self._channels[address]

    async def start(self) -> None:
        for flavor in self.registry.served:
            channel = self._channel(self.address(flavor))
            self._predict[flavor.name] = prediction_service_pb2_grpc.PredictionServiceStub(channel)
            self._models[flavor.name] = model_service_pb2_grpc.ModelServiceStub(channel)
        await asyncio.gather(*(self._check(f) for f in self.registry.served))

    async def close(self) -> None:
        if self._refreshing is not None:
            self._refreshing.cancel()
        channels, self._channels = list(self._channels.values()), {}
        await asyncio.gather(*(c.close() for c in channels))

    async def refresh(self) -> None:
        """Check again the flavors unavailable at their last check, at most every
        ``recheck_interval_s`` (TF Serving may have come up after this service)."""
        async with self._refresh_lock:
            now = time.monotonic()
            due = [
                f
                for f in self.registry.served
                if not self.status(f.name).available
                and now - self._checked_at.get(f.name, 0.0) >= self.settings.recheck_interval_s
            ]
            await asyncio.gather(*(self._check(f) for f in due))

    async def _check(self, flavor: Flavor) -> None:
        self._checked_at[flavor.name] = time.monotonic()
        try:
            status = await self._verify(flavor)
        except grpc.aio.AioRpcError as exc:
            status = FlavorStatus.down(_rpc_reason(exc, self.address(flavor)))
        previous = self._status.get(flavor.name)
        self._status[flavor.name] = status
        if status != previous:
            log.log(
                20 if status.available else 30,
                "flavor available" if status.available else "flavor unavailable",
                extra={
                    "flavor": flavor.name,
                    "address": self.address(flavor),
                    "reason": status.reason,
                },
            )

    def _spec(self, flavor: Flavor, signature: bool = False) -> model_pb2.ModelSpec:
        spec = model_pb2.ModelSpec(name=flavor.name)
        spec.version.value = flavor.version
        if signature:
            spec.signature_name = flavor.manifest.input.signature
        return spec

    async def _verify(self, flavor: Flavor) -> FlavorStatus:
        timeout = self.settings.tfserving_check_timeout_s
        status = await self._models[flavor.name].GetModelStatus(
            get_model_status_pb2.GetModelStatusRequest(model_spec=self._spec(flavor)),
            timeout=timeout,
        )
        states = {s.version: s for s in status.model_version_status}
        mine = states.get(flavor.version)
        if mine is None:
            served = sorted(states) or "none"
            return FlavorStatus.down(
                f"TF Serving does not have version {flavor.version} (has {served})"
            )
        if mine.state != _AVAILABLE:
            state = get_model_status_pb2.ModelVersionStatus.State.Name(mine.state)
            detail = f": {mine.status.error_message}" if mine.status.error_message else ""
            return FlavorStatus.down(f"TF Serving reports version {flavor.version} {state}{detail}")

        metadata = await self._predict[flavor.name].GetModelMetadata(
            get_model_metadata_pb2.GetModelMetadataRequest(
                model_spec=self._spec(flavor), metadata_field=["signature_def"]
            ),
            timeout=timeout,
        )
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        if "signature_def" not in metadata.metadata or not metadata.metadata[
            "signature_def"
        ].Unpack(signature_map):
            return FlavorStatus.down("TF Serving returned no signature_def metadata")
        wanted = flavor.manifest.input.signature
        if wanted not in signature_map.signature_def:
            known = sorted(signature_map.signature_def)
            return FlavorStatus.down(f"TF Serving has no signature {wanted!r} (has {known})")
        info = signature_from_def(signature_map.signature_def[wanted])
        mismatch = signature_mismatch(flavor.manifest, info)
        if mismatch:
            return FlavorStatus.down(f"signature does not match the manifest: {mismatch}")
        return FlavorStatus.ok()

    async def _infer(self, flavor: Flavor, images: Images, timeout_s: float) -> Raw:
        manifest = flavor.manifest
        request = predict_pb2.PredictRequest(model_spec=self._spec(flavor, signature=True))
        request.inputs[manifest.input.key].CopyFrom(to_tensor_proto(images))
        request.output_filter.append(manifest.output.key)
        try:
            response = await self._predict[flavor.name].Predict(request, timeout=timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise FlavorError(_rpc_reason(exc, self.address(flavor))) from None
        if manifest.output.key not in response.outputs:
            raise FlavorError(f"TF Serving answered without output {manifest.output.key!r}")
        values = from_tensor_proto(response.outputs[manifest.output.key])
        if flavor.manifest.classifier is not None:
            return values
        return values.reshape(-1) if values.size == len(images) else values
