"""A fake DDS API and PyPI for benchmarks, on $NETWIRE_SERVER_ADDR (or 127.0.0.1): HTTP/1.1, TCP_NODELAY."""

from __future__ import annotations

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROJECTS = {
    "project_info": [
        {
            "Project ID": "bench-proj",
            "Status": "Available",
            "Size": 1_000_000_000,
            "Access": True,
            "Title": "t",
            "PI": "p",
        }
    ]
}
ROUTES = {
    "/status": {"status": "ready"},
    "/api/v1/motd": {"message": "There are no active MOTDs."},
    "/api/v1/user/info": {"info": {"role": "Researcher", "username": "bench", "email_primary": "b@example.org"}},
    "/api/v1/proj/list": PROJECTS,
    "/pypi/dds-cli/json": {"info": {"version": "2.15.1"}, "releases": {"2.15.1": [{"yanked": False}]}},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # the body does not wait for an ACK

    def do_GET(self) -> None:
        body = json.dumps(ROUTES.get(self.path.split("?")[0], {"message": "not found"})).encode()
        self.send_response(200 if self.path.split("?")[0] in ROUTES else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    ThreadingHTTPServer((os.environ.get("NETWIRE_SERVER_ADDR", "127.0.0.1"), port), Handler).serve_forever()
