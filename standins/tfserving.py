"""A stand-in for the TensorFlow Serving container: a real ``grpc.aio`` server speaking TF
Serving's PredictionService (Predict, GetModelMetadata) and ModelService (GetModelStatus) over the
SavedModels named in ``models.config``, run in process by TensorFlow.

It knows nothing about manifests, like TF Serving. For tests it can be told to make a named
flavor fail, hang, report a different signature, or report itself as still loading::

    python -m standins.tfserving --models-dir models --port 8500 [--fail NAME]
        [--hang NAME] [--mismatch NAME] [--loading NAME]
"""

import argparse
import asyncio
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import tensorflow as tf
from google.protobuf import any_pb2
from tensorflow.core.framework import tensor_shape_pb2
from tensorflow.core.protobuf import meta_graph_pb2
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from inference.backends.tfserving import channel_options
from inference.registry import read_models_config, served_version
from inference.runtime import SavedModel, configure_threads
from inference.signatures import SignatureInfo, TensorInfo
from servicekit.logging import configure_logging, get_logger

log = get_logger("standins.tfserving")
State = get_model_status_pb2.ModelVersionStatus.State


@dataclass(frozen=True)
class Faults:
    """Flavors to misbehave, by name."""

    fail: frozenset[str] = frozenset()
    hang: frozenset[str] = frozenset()
    mismatch: frozenset[str] = frozenset()
    loading: frozenset[str] = frozenset()


@dataclass
class Servable:
    name: str
    version: int
    model: SavedModel


@dataclass
class ModelServer:
    """The loaded SavedModels and the thread pool that runs them (no event loop involved)."""

    servables: dict[str, Servable]
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="standin")
    )

    @classmethod
    def load(cls, models_dir: Path) -> "ModelServer":
        servables = {}
        for entry in read_models_config(models_dir):
            version, path = served_version(entry)
            servables[entry.name] = Servable(entry.name, version, SavedModel(path))
        return cls(servables)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def _signature_def(info: SignatureInfo) -> meta_graph_pb2.SignatureDef:
    def tensor_info(key: str, spec: TensorInfo) -> meta_graph_pb2.TensorInfo:
        shape = tensor_shape_pb2.TensorShapeProto(unknown_rank=spec.shape is None)
        for dim in spec.shape or ():
            shape.dim.add(size=-1 if dim is None else dim)
        dtype = tf.as_dtype(spec.dtype).as_datatype_enum
        return meta_graph_pb2.TensorInfo(name=f"{key}:0", dtype=dtype, tensor_shape=shape)

    signature = meta_graph_pb2.SignatureDef(method_name="tensorflow/serving/predict")
    for key, spec in info.inputs.items():
        signature.inputs[key].CopyFrom(tensor_info(key, spec))
    for key, spec in info.outputs.items():
        signature.outputs[key].CopyFrom(tensor_info(key, spec))
    return signature


def _mismatched(info: SignatureInfo) -> SignatureInfo:
    """The signature of a wrongly deployed model: the channel count of every input changed."""
    inputs = {}
    for key, spec in info.inputs.items():
        shape = spec.shape
        if shape:
            shape = (*shape[:-1], 1 if shape[-1] == 3 else 3)
        inputs[key] = TensorInfo(spec.dtype, shape)
    return SignatureInfo(inputs, info.outputs)


class _Base:
    def __init__(self, server: ModelServer, faults: Faults) -> None:
        self.server = server
        self.faults = faults

    async def servable(self, spec: Any, context: grpc.aio.ServicerContext) -> Servable:
        found = self.server.servables.get(spec.name)
        wanted = spec.version.value if spec.HasField("version") else None
        if found is None or (wanted is not None and wanted != found.version):
            what = f"Specific({spec.name}, {wanted})" if wanted is not None else spec.name
            await context.abort(
                grpc.StatusCode.NOT_FOUND, f"Servable not found for request: {what}"
            )
        assert found is not None
        return found


class PredictionService(_Base, prediction_service_pb2_grpc.PredictionServiceServicer):  # type: ignore[misc]
    async def Predict(
        self, request: predict_pb2.PredictRequest, context: grpc.aio.ServicerContext
    ) -> predict_pb2.PredictResponse:
        servable = await self.servable(request.model_spec, context)
        if servable.name in self.faults.fail:
            await context.abort(grpc.StatusCode.INTERNAL, "injected failure (stand-in --fail)")
        if servable.name in self.faults.hang:
            remaining = context.time_remaining()
            await asyncio.sleep(3600 if remaining is None else remaining + 5)
        name = request.model_spec.signature_name or "serving_default"
        try:
            signature = servable.model.describe(name)
        except KeyError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        if set(request.inputs) != set(signature.inputs):
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"expected inputs {sorted(signature.inputs)}, got {sorted(request.inputs)}",
            )
        inputs = {key: tf.make_ndarray(proto) for key, proto in request.inputs.items()}
        loop = asyncio.get_running_loop()
        try:
            outputs = await loop.run_in_executor(
                self.server.executor, servable.model.run, name, inputs
            )
        except (tf.errors.InvalidArgumentError, TypeError, ValueError) as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc).splitlines()[0])
        wanted = list(request.output_filter) or list(outputs)
        response = predict_pb2.PredictResponse()
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.model_spec.signature_name = name
        for key in wanted:
            if key not in outputs:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"no output {key!r}")
            response.outputs[key].CopyFrom(tf.make_tensor_proto(np.asarray(outputs[key])))
        return response

    async def GetModelMetadata(
        self,
        request: get_model_metadata_pb2.GetModelMetadataRequest,
        context: grpc.aio.ServicerContext,
    ) -> get_model_metadata_pb2.GetModelMetadataResponse:
        servable = await self.servable(request.model_spec, context)
        if list(request.metadata_field) != ["signature_def"]:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, "only metadata_field signature_def is supported"
            )
        signatures = get_model_metadata_pb2.SignatureDefMap()
        for name in servable.model.signatures:
            info = servable.model.describe(name)
            if servable.name in self.faults.mismatch:
                info = _mismatched(info)
            signatures.signature_def[name].CopyFrom(_signature_def(info))
        packed = any_pb2.Any()
        packed.Pack(signatures)
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = servable.name
        response.model_spec.version.value = servable.version
        response.metadata["signature_def"].CopyFrom(packed)
        return response


class ModelService(_Base, model_service_pb2_grpc.ModelServiceServicer):  # type: ignore[misc]
    async def GetModelStatus(
        self,
        request: get_model_status_pb2.GetModelStatusRequest,
        context: grpc.aio.ServicerContext,
    ) -> get_model_status_pb2.GetModelStatusResponse:
        servable = await self.servable(request.model_spec, context)
        state = State.LOADING if servable.name in self.faults.loading else State.AVAILABLE
        response = get_model_status_pb2.GetModelStatusResponse()
        status = response.model_version_status.add(version=servable.version, state=state)
        status.status.error_code = 0
        return response


async def start_server(
    server: ModelServer,
    faults: Faults = Faults(),
    host: str = "127.0.0.1",
    port: int = 0,
    max_message_bytes: int = 512 * 1024 * 1024,
) -> tuple[grpc.aio.Server, int]:
    """Start the gRPC server on the running loop; returns it and the port bound."""
    grpc_server = grpc.aio.server(options=channel_options(max_message_bytes))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(server, faults), grpc_server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(
        ModelService(server, faults), grpc_server
    )
    bound = grpc_server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot bind {host}:{port}")
    await grpc_server.start()
    return grpc_server, bound


async def _main(args: argparse.Namespace) -> None:
    configure_threads(args.intra_op_threads, 1)
    server = ModelServer.load(args.models_dir)
    faults = Faults(
        frozenset(args.fail),
        frozenset(args.hang),
        frozenset(args.mismatch),
        frozenset(args.loading),
    )
    grpc_server, port = await start_server(server, faults, args.host, args.port)
    log.info(
        "TF Serving stand-in listening",
        extra={"port": port, "models": sorted(server.servables), "faults": repr(faults)},
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await grpc_server.stop(grace=1)
    server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--intra-op-threads", type=int, default=2)
    for fault in ("fail", "hang", "mismatch", "loading"):
        parser.add_argument(f"--{fault}", action="append", default=[], metavar="FLAVOR")
    args = parser.parse_args(argv)
    configure_logging("tfserving-standin")
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
