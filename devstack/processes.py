"""Real processes on loopback: service apps under uvicorn, redis-server as a child.

A daemonized redis-server is never reaped on this machine, so it runs in the foreground as a
child. Every process can be stopped and started again on the same port (fault injection)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]


def exit_on_sigterm() -> None:
    """Make SIGTERM (and SIGINT, which a shell ignores in background jobs) unwind the program
    as Ctrl-C does, so that every child process of the stack is stopped on the way out."""

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(
    url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Until ``url`` answers below 500 (or ``process`` exits, or ``timeout_s`` passes)."""
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


def wait_for_tcp(
    port: int, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Until something accepts connections on 127.0.0.1:``port`` (a gRPC server)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout_s}s")


def rss_kib(pid: int) -> int | None:
    """Resident set size of a process from /proc (KiB), None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (seconds), None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class ServiceProcess:
    """``python -m <module> *args`` on ``port``; ``health_path`` None means a TCP (gRPC) check."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    health_path: str | None = "/healthz"
    startup_timeout_s: float = 60.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()

    def stop(self) -> None:
        stop_process(self.process)

    def start(self, args: Sequence[str] | None = None) -> None:
        """(Re)start on the same port, with other arguments if given; waits until it answers.
        The log file is appended to."""
        self.stop()
        if args is not None:
            self.args = tuple(args)
        self.process = _spawn(self.name, self.port, self.args, self.env, self.log_path)
        self.wait_ready()

    def wait_ready(self) -> None:
        if self.health_path is None:
            wait_for_tcp(self.port, self.startup_timeout_s, self.process)
        else:
            wait_for_http(f"{self.url}{self.health_path}", self.startup_timeout_s, self.process)


@contextmanager
def service_process(
    module: str,
    env: Mapping[str, str],
    log_dir: Path,
    *,
    port: int | None = None,
    args: Sequence[str] = (),
    env_prefix: str | None = None,
    health_path: str | None = "/healthz",
    startup_timeout_s: float = 60.0,
) -> Iterator[ServiceProcess]:
    """Run ``python -m <module> *args`` with ``<PREFIX>_HOST/PORT`` set (prefix: the module name
    upper-cased); ``{port}`` in ``args`` is replaced by the port. Yields once ``health_path``
    answers (or, when it is None, once the port accepts connections)."""
    port = port or free_port()
    prefix = env_prefix or module.split(".")[0].upper()
    full_env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        # A crash in native code writes every thread's Python stack to the log.
        "PYTHONFAULTHANDLER": "1",
        f"{prefix}_HOST": "127.0.0.1",
        f"{prefix}_PORT": str(port),
        **env,
    }
    log_path = log_dir / f"{module}-{port}.log"
    log_path.write_bytes(b"")
    process = _spawn(module, port, tuple(args), full_env, log_path)
    service = ServiceProcess(
        module, port, process, log_path, full_env, tuple(args), health_path, startup_timeout_s
    )
    try:
        service.wait_ready()
        yield service
    finally:
        service.stop()


def _spawn(
    module: str, port: int, args: Sequence[str], env: Mapping[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", module, *(a.replace("{port}", str(port)) for a in args)]
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            argv, cwd=REPO_ROOT, env=dict(env), stdout=log_file, stderr=subprocess.STDOUT
        )


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def restart(self) -> None:
        """Start again on the same port (after ``stop``)."""
        if self.running():
            self.stop()
        self.process = start_redis(self.port).process


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
    process.wait()
    raise TimeoutError(f"redis-server did not answer on port {port}")


@contextmanager
def redis_server(port: int | None = None) -> Iterator[RedisServer]:
    server = start_redis(port)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()
