"""A stand-in SDSS SkyServer for tests and benchmarks: a real HTTP server on loopback.

It answers ``GET /<dr>/SkyServerWS/ImgCutout/getjpeg?ra=&dec=&scale=&width=&height=`` like
SkyServer does: a JPEG of ``width`` x ``height`` pixels; all black outside its footprint (a
declination band, optionally an RA range). Inside, a deterministic synthetic galaxy: an
exponential disk plus bulge whose major axis spans 1/1.5 of the field (the catalog asks for
1.5 x the major axis), with an axis ratio and position angle drawn from a hash of (ra, dec).

Failure on demand, at start (flags or ``SKYSERVER_STANDIN_*`` variables) or at run time:

- ``GET /standin/mode?mode=ok|down|slow[&delay=S][&fail_next=N]``: ``down`` answers 503,
  ``slow`` waits ``delay`` seconds before answering, ``fail_next`` makes the next N getjpeg
  requests answer 503 and then recovers. Answers the new state as JSON.
- ``GET /standin/stats``: ``{"getjpeg": <requests seen>, "mode": ...}``.

Run: ``python -m standins.skyserver --port 8091 [--dec-min -25] [--mode ok]``.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image

from standins.server import BackgroundServer

Mode = Literal["ok", "down", "slow"]
MODES: tuple[Mode, ...] = ("ok", "down", "slow")
GETJPEG_SUFFIX = "/SkyServerWS/ImgCutout/getjpeg"
MAX_SIDE = 2048


@dataclass
class StandinState:
    mode: Mode = "ok"
    delay_s: float = 5.0
    fail_next: int = 0
    dec_min: float = -25.0
    dec_max: float = 90.0
    ra_min: float = 0.0
    ra_max: float = 360.0
    getjpeg: int = 0

    def inside(self, ra: float, dec: float) -> bool:
        return self.dec_min <= dec <= self.dec_max and self.ra_min <= ra <= self.ra_max


def _shape(ra: float, dec: float) -> tuple[float, float]:
    """Deterministic (axis ratio, position angle in degrees) for a position."""
    digest = hashlib.sha256(f"{ra:.4f},{dec:.4f}".encode()).digest()
    q = 0.2 + 0.8 * digest[0] / 255.0
    pa = 180.0 * digest[1] / 255.0
    return q, pa


def draw(ra: float, dec: float, width: int, height: int, inside: bool) -> bytes:
    """The JPEG bytes SkyServer would send: a synthetic galaxy, or black outside the footprint."""
    if not inside:
        black = Image.new("RGB", (width, height))
        buffer = io.BytesIO()
        black.save(buffer, "JPEG", quality=75)
        return buffer.getvalue()
    q, pa = _shape(ra, dec)
    semi_major = min(width, height) / 3.0
    x = np.arange(width, dtype=np.float32)[None, :] - np.float32((width - 1) / 2.0)
    y = np.arange(height, dtype=np.float32)[:, None] - np.float32((height - 1) / 2.0)
    theta = np.radians(pa)
    sin, cos = np.float32(np.sin(theta)), np.float32(np.cos(theta))
    # Position angle east of north: north up, east left in SDSS images.
    along = -x * sin - y * cos
    across = -x * cos + y * sin
    radius = np.sqrt(along * along + (across * np.float32(1.0 / q)) ** 2)
    light = 0.8 * np.exp(-radius * np.float32(2.5 / semi_major))
    light += 0.5 * np.exp(-np.sqrt(x * x + y * y) * np.float32(20.0 / semi_major))
    seed = int.from_bytes(hashlib.sha256(f"{ra:.6f},{dec:.6f},{width}".encode()).digest()[:4])
    rng = np.random.default_rng(seed)
    sky = 18.0 + 3.0 * rng.standard_normal(size=(height, width), dtype=np.float32)
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    for band, gain in enumerate((235.0, 215.0, 190.0)):
        rgb[..., band] = np.clip(sky + np.float32(gain) * light, 0, 255)
    image = Image.fromarray(rgb, "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read no access log
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: object) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        state = self.server.state
        if parts.path == "/healthz":
            self._json(200, {"status": "ok", "service": "skyserver-standin"})
            return
        if parts.path == "/standin/stats":
            with self.server.lock:
                self._json(200, asdict(state))
            return
        if parts.path == "/standin/mode":
            self._set_mode(query)
            return
        if not parts.path.endswith(GETJPEG_SUFFIX):
            self._send(404, b"not found", "text/plain")
            return
        with self.server.lock:
            state.getjpeg += 1
            mode, delay = state.mode, state.delay_s
            failing = state.fail_next > 0
            state.fail_next = max(state.fail_next - 1, 0)
        if mode == "down" or failing:
            self._send(503, b"Service Unavailable", "text/html")
            return
        if mode == "slow":
            time.sleep(delay)
        try:
            ra, dec = float(query["ra"]), float(query["dec"])
            width, height = int(query.get("width", "64")), int(query.get("height", "64"))
            scale = float(query.get("scale", "0.396"))
            if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and scale > 0):
                raise ValueError("width/height/scale out of range")
        except (KeyError, ValueError) as exc:
            self._send(400, f"bad request: {exc}".encode(), "text/plain")
            return
        body = draw(ra, dec, width, height, state.inside(ra, dec))
        self._send(200, body, "image/jpeg")

    def _set_mode(self, query: dict[str, str]) -> None:
        state = self.server.state
        try:
            with self.server.lock:
                if "mode" in query:
                    if query["mode"] not in MODES:
                        raise ValueError(f"mode is one of {MODES}")
                    state.mode = query["mode"]
                if "delay" in query:
                    state.delay_s = float(query["delay"])
                if "fail_next" in query:
                    state.fail_next = int(query["fail_next"])
                snapshot = asdict(state)
        except ValueError as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, snapshot)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], state: StandinState) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (the catalog's time-out) is part of the game, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class StandinSkyServer(BackgroundServer):
    """The stand-in in a background thread: ``with StandinSkyServer() as sky: sky.url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: StandinState | None = None):
        self._sky = _Server((host, port), state or StandinState())
        super().__init__(self._sky)

    @property
    def state(self) -> StandinState:
        return self._sky.state

    def set(
        self,
        *,
        mode: Mode | None = None,
        delay_s: float | None = None,
        fail_next: int | None = None,
    ) -> None:
        with self._sky.lock:
            if mode is not None:
                self.state.mode = mode
            if delay_s is not None:
                self.state.delay_s = delay_s
            if fail_next is not None:
                self.state.fail_next = fail_next

    def requests(self) -> int:
        with self._sky.lock:
            return self.state.getjpeg


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SKYSERVER_STANDIN_{name}", default)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(_env("PORT", "8091")))
    parser.add_argument("--mode", choices=MODES, default=_env("MODE", "ok"))
    parser.add_argument("--delay", type=float, default=float(_env("DELAY", "5")))
    parser.add_argument("--dec-min", type=float, default=float(_env("DEC_MIN", "-25")))
    parser.add_argument("--dec-max", type=float, default=float(_env("DEC_MAX", "90")))
    parser.add_argument("--ra-min", type=float, default=float(_env("RA_MIN", "0")))
    parser.add_argument("--ra-max", type=float, default=float(_env("RA_MAX", "360")))
    args = parser.parse_args(argv)
    state = StandinState(
        mode=args.mode,
        delay_s=args.delay,
        dec_min=args.dec_min,
        dec_max=args.dec_max,
        ra_min=args.ra_min,
        ra_max=args.ra_max,
    )
    server = _Server((args.host, args.port), state)
    print(f"stand-in SkyServer on http://{args.host}:{args.port} ({state})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
