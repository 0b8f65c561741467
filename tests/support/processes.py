"""Real processes on loopback for tests: service apps under uvicorn, redis-server as a child."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(
    url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s}s ({last_error})")


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


@contextmanager
def service_process(
    module: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    args: Sequence[str] = (),
    env_prefix: str | None = None,
    health_path: str = "/healthz",
    startup_timeout_s: float = 60.0,
) -> Iterator[ServiceProcess]:
    """Run ``python -m <module> *args`` with ``<PREFIX>_HOST/PORT`` set (prefix: the module name
    upper-cased); ``{port}`` in ``args`` is replaced by the port. Yields once ``health_path``
    answers."""
    port = port or free_port()
    prefix = env_prefix or module.split(".")[0].upper()
    full_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        f"{prefix}_HOST": "127.0.0.1",
        f"{prefix}_PORT": str(port),
        **env,
    }
    log_path = log_dir / f"{module}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *(a.replace("{port}", str(port)) for a in args)],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    service = ServiceProcess(module, port, process, log_path)
    try:
        wait_for_http(f"{service.url}{health_path}", startup_timeout_s, process)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def start_redis(port: int | None = None, timeout_s: float = 10.0) -> RedisServer:
    """A redis-server child in the foreground (a daemonized one is never reaped here)."""
    binary = redis_binary()
    if binary is None:
        raise RuntimeError("no redis-server: scripts/install-system-packages installs it")
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return RedisServer(port, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise TimeoutError(f"redis-server did not answer on port {port}")


@contextmanager
def redis_server(port: int | None = None) -> Iterator[RedisServer]:
    server = start_redis(port)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
