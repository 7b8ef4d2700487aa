"""Certificates made with the openssl command, and an HTTPS server that presents them."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import LocalServer

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command to make certificates")


@dataclass(frozen=True)
class KeyPair:
    key: Path
    cert: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run([OPENSSL or "openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(folder: Path, name: str, organisation: str) -> KeyPair:
    folder.mkdir(parents=True, exist_ok=True)
    pair = KeyPair(folder / f"{name}.key", folder / f"{name}.pem")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        "-keyout", str(pair.key), "-out", str(pair.cert),
        "-subj", f"/O={organisation}/CN={organisation} Root",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    return pair


def make_leaf(folder: Path, name: str, issuer: KeyPair | None, organisation: str = "Test Leaf") -> KeyPair:
    """A server certificate for 127.0.0.1 and localhost; self-signed when ``issuer`` is None."""
    folder.mkdir(parents=True, exist_ok=True)
    pair = KeyPair(folder / f"{name}.key", folder / f"{name}.pem")
    extensions = folder / f"{name}.ext"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    subject = f"/O={organisation}/CN=localhost"
    if issuer is None:
        _openssl(
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-keyout", str(pair.key), "-out", str(pair.cert), "-subj", subject,
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            cwd=folder,
        )  # fmt: skip
        return pair
    csr = folder / f"{name}.csr"
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(pair.key), "-out", str(csr), "-subj", subject, cwd=folder
    )
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(issuer.cert), "-CAkey", str(issuer.key),
        "-CAcreateserial", "-days", "30", "-out", str(pair.cert), "-extfile", str(extensions),
        cwd=folder,
    )  # fmt: skip
    return pair


@contextmanager
def https_server(pair: KeyPair) -> Iterator[LocalServer]:
    """A LocalServer behind TLS with the given certificate."""
    server = LocalServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pair.cert, pair.key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.httpd.handle_error = lambda *_: None  # type: ignore[method-assign]  # clients that reject us are the point
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
