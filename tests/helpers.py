"""Shared test helpers: real tokens, a real local HTTP server, privilege checks."""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (CI runs as root)")
needs_setpriv = pytest.mark.skipif(not (IS_ROOT and SETPRIV), reason="needs root and setpriv to act as another user")
NOBODY = 65534
#: Probe ids are part of the contract, in report order.
CONTRACT_IDS = [
    "token.permissions",
    "token.expiry",
    "disk.space",
    "cli.version",
    "console.encoding",
    "network.latency",
    "network.proxy",
    "network.tls",
    "api.status",
    "api.motd",
    "clock.skew",
    "netrc",
    "network.throughput",
    "account",
    "project",
    "deliveries.failed",
]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_token(header: dict[str, Any] | None = None, *, exp: str | None = None) -> str:
    """A compact JWE shaped like a DDS token; only the header is meaningful."""
    header = dict(header or {"alg": "A256KW", "enc": "A256GCM"})
    if exp is not None:
        header["exp"] = exp
    parts = [
        b64url(json.dumps(header, separators=(",", ":")).encode()),
        b64url(os.urandom(40)),
        b64url(os.urandom(12)),
        b64url(os.urandom(300)),
        b64url(os.urandom(16)),
    ]
    return ".".join(parts)


Handler = Callable[[Any], None]  #: gets the request handler, with send_json / send_body


class LocalServer:
    """A real HTTP server on 127.0.0.1 with per-path handlers and a request log."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.date_offset_s = 0.0
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, dict(self.headers)))
                handler = server.routes.get(self.path.split("?")[0])
                if handler is None:
                    self.send_json({"message": "not found"}, status=404)
                else:
                    handler(self)

            def send_json(self, body: Any, status: int = 200) -> None:
                payload = json.dumps(body).encode()
                self.send_body(payload, status=status, content_type="application/json")

            def send_body(self, payload: bytes, status: int = 200, content_type: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                # The Date header, from a server clock that may be set off on purpose.
                return super().date_time_string((timestamp or time.time()) + server.date_offset_s)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p.split("?")[0] == path)


@contextmanager
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def pypi_document(versions: dict[str, bool], info_version: str | None = None) -> dict[str, Any]:
    """A PyPI JSON API answer: version -> yanked."""
    releases = {v: [{"filename": f"dds_cli-{v}-py3-none-any.whl", "yanked": yanked}] for v, yanked in versions.items()}
    return {"info": {"name": "dds-cli", "version": info_version or max(versions)}, "releases": releases}


class ConnectProxy:
    """A real HTTP CONNECT proxy on 127.0.0.1 that only tunnels to loopback, logging each CONNECT."""

    def __init__(self) -> None:
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connects: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: Any) -> None:
        import socket

        with client:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            line = request.split(b"\r\n", 1)[0].decode()
            self.connects.append(line)
            method, target, _ = line.split(" ", 2)
            host, port = target.rsplit(":", 1)
            if method != "CONNECT" or host not in ("127.0.0.1", "localhost"):
                client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
                return
            with socket.create_connection((host, int(port)), timeout=5) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                pump = threading.Thread(target=_relay, args=(upstream, client), daemon=True)
                pump.start()
                _relay(client, upstream)
                pump.join(5)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.listener.close()


def _relay(source: Any, sink: Any) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            sink.shutdown(1)
        except OSError:
            pass


@contextmanager
def connect_proxy() -> Iterator[ConnectProxy]:
    proxy = ConnectProxy()
    proxy._thread.start()
    try:
        yield proxy
    finally:
        proxy.close()


def closed_port() -> int:
    """A loopback port with nothing listening: connections to it are refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
