"""A CDS Sesame stand-in on loopback: ``GET /nph-sesame/<db>?<name>`` answers Sesame's plain
text, with a ``%J ra dec`` line for the names it knows and ``#! *** Nothing found ***`` else;
a name starting with ``FAIL`` gets an HTTP 500, as a Sesame that is down; one starting with
``SLOW`` is answered after ``slow_s`` seconds, as a Sesame that is too slow."""

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit


def sesame_text(name: str, position: tuple[float, float] | None) -> str:
    if position is None:
        return f"# {name}\n#! *** Nothing found *** \n"
    ra, dec = position
    return f"# {name}\n#=S=Simbad (stand-in): 1\n%J {ra:.8f} {dec:+.8f} = (stand-in)\n"


@contextmanager
def sesame_standin(known: Mapping[str, tuple[float, float]], slow_s: float = 5.0) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:<port>/nph-sesame/``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = unquote(urlsplit(self.path).query)
            if name.startswith("SLOW"):
                time.sleep(slow_s)
            body = sesame_text(name, known.get(name)).encode()
            self.send_response(500 if name.startswith("FAIL") else 200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/nph-sesame/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
