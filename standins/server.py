"""What the stand-ins of remote services share: a threaded HTTP server on loopback, failure modes
set at start or at run time, and request counters.

Modes, per remote (a stand-in may serve several, e.g. Legacy Surveys and hips2fits):
``ok``; ``down`` (HTTP 503); ``slow`` (waits ``delay_s`` before answering); ``garbage`` (HTTP 200
with an HTML page where the remote's format belongs). ``fail_next`` = N makes the next N requests
answer 503, then the remote recovers. ``GET /standin/mode?remote=&mode=&delay=&fail_next=``
changes them at run time; ``GET /standin/stats`` reports them and the request counts.
"""

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal, Self
from urllib.parse import parse_qs, urlsplit

Mode = Literal["ok", "down", "slow", "garbage"]
MODES: tuple[Mode, ...] = ("ok", "down", "slow", "garbage")
GARBAGE = b"<html><body><h1>Service maintenance</h1>Please come back later.</body></html>"


@dataclass
class RemoteState:
    mode: Mode = "ok"
    delay_s: float = 5.0
    fail_next: int = 0
    requests: int = 0


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


Route = Callable[[str, dict[str, str], bytes], Answer]
# Which remote a request is for: a name, or a function of the query (hips2fits' ``hips=``).
Selector = str | Callable[[dict[str, str]], str]
Routes = dict[str, tuple[Selector, Route]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "StandinHTTPServer"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length))

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self._send(self.server.answer(parts.path, query, body))


class StandinHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], routes: Routes, remotes: Iterable[str]) -> None:
        """``routes``: path → (the remote it serves, handler)."""
        super().__init__(address, _Handler)
        self.routes = routes
        self.states = {remote: RemoteState() for remote in remotes}
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (the service's time-out) is part of the game, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def answer(self, path: str, query: dict[str, str], body: bytes) -> Answer:
        if path == "/healthz":
            return _json(200, {"status": "ok"})
        if path == "/standin/stats":
            with self.lock:
                return _json(200, {name: asdict(s) for name, s in self.states.items()})
        if path == "/standin/mode":
            return self._set_mode(query)
        if path not in self.routes:
            return Answer(404, b"not found", "text/plain")
        selector, route = self.routes[path]
        remote = selector if isinstance(selector, str) else selector(query)
        if remote not in self.states:
            return Answer(400, f"bad request: nothing served for {remote!r}".encode(), "text/plain")
        state = self.states[remote]
        with self.lock:
            state.requests += 1
            mode, delay = state.mode, state.delay_s
            failing = state.fail_next > 0
            state.fail_next = max(state.fail_next - 1, 0)
        if mode == "down" or failing:
            return Answer(503, b"<html>503 Service Unavailable</html>", "text/html")
        if mode == "garbage":
            return Answer(200, GARBAGE, "text/html")
        if mode == "slow":
            time.sleep(delay)
        return route(path, query, body)

    def set(
        self,
        remote: str,
        *,
        mode: Mode | None = None,
        delay_s: float | None = None,
        fail_next: int | None = None,
    ) -> None:
        state = self.states[remote]
        with self.lock:
            if mode is not None:
                if mode not in MODES:
                    raise ValueError(f"mode is one of {MODES}")
                state.mode = mode
            if delay_s is not None:
                state.delay_s = delay_s
            if fail_next is not None:
                state.fail_next = fail_next

    def _set_mode(self, query: dict[str, str]) -> Answer:
        remotes = [query["remote"]] if "remote" in query else list(self.states)
        try:
            for remote in remotes:
                if remote not in self.states:
                    raise ValueError(f"remote is one of {sorted(self.states)}")
                self.set(
                    remote,
                    mode=query.get("mode"),  # type: ignore[arg-type]  # checked in set()
                    delay_s=float(query["delay"]) if "delay" in query else None,
                    fail_next=int(query["fail_next"]) if "fail_next" in query else None,
                )
        except ValueError as exc:
            return _json(400, {"error": str(exc)})
        with self.lock:
            return _json(200, {name: asdict(s) for name, s in self.states.items()})


def _json(status: int, payload: object) -> Answer:
    return Answer(status, json.dumps(payload).encode(), "application/json")


class BackgroundServer:
    """An HTTP server in a daemon thread: ``with Server(...) as remote: remote.url``."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground (the command-line entry points)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()


class Standin(BackgroundServer):
    """A stand-in of one or more remotes (``routes``), with their failure modes."""

    def __init__(
        self, routes: Routes, remotes: Iterable[str], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.server = StandinHTTPServer((host, port), routes, remotes)
        super().__init__(self.server)

    def set(self, remote: str, **changes: object) -> None:
        self.server.set(remote, **changes)  # type: ignore[arg-type]

    def reset(self, remotes: Iterable[str] | None = None) -> None:
        for remote in remotes if remotes is not None else self.server.states:
            self.server.set(remote, mode="ok", delay_s=5.0, fail_next=0)

    def requests(self, remote: str) -> int:
        with self.server.lock:
            return self.server.states[remote].requests


def cli(
    doc: str | None,
    default_port: int,
    build: Callable[[str, int], Standin],
    argv: list[str] | None = None,
) -> None:
    """``python -m standins.<name> [--host] [--port] [--mode] [--delay]``: serve in the foreground,
    every remote of the stand-in in ``--mode``."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--mode", choices=MODES, default="ok")
    parser.add_argument("--delay", type=float, default=5.0)
    args = parser.parse_args(argv)
    standin = build(args.host, args.port)
    for remote in standin.server.states:
        standin.set(remote, mode=args.mode, delay_s=args.delay)
    print(f"stand-in {', '.join(standin.server.states)} on {standin.url}", flush=True)
    standin.serve_forever()
