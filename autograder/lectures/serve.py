"""Preview a built site: a static file server on localhost, as a student's browser sees it."""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request to stderr."""

    def log_message(self, format, *args):
        pass


def make_server(site_dir: Path, port: int = 8000, host: str = "127.0.0.1",
                quiet: bool = False) -> ThreadingHTTPServer:
    """A server of site_dir on host:port (port 0 picks a free one); call serve_forever()."""
    handler = QuietHandler if quiet else SimpleHTTPRequestHandler
    return ThreadingHTTPServer((host, port), partial(handler, directory=str(site_dir)))
