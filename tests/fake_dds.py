"""A local stand-in for the DDS web API, answering with the shapes of dds_web 2.14 (dds-facts.md §2)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.helpers import LocalServer, local_server

RESEARCHER = {"role": "Researcher", "username": "rita", "email_primary": "rita@uni.example", "name": "Rita R"}


class FakeDDS:
    """Switches: ``mode`` (ready, maintenance, expired, invalid, deactivated, html-500, slow) and data."""

    def __init__(self, server: LocalServer, token: str) -> None:
        self.server = server
        self.token = token
        self.mode = "ready"
        self.slow_s = 0.0
        self.user = dict(RESEARCHER)
        self.motds: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = [
            {
                "Project ID": "ab-proj-1",
                "Title": "Reads",
                "PI": "P I",
                "Status": "Available",
                "Last updated": "Wed, 18 Oct 2023 08:40:43 GMT",
                "Created by": "Unit",
                "Size": 1_500_000_000_000,
                "Access": True,
            }
        ]
        routes = server.routes
        routes["/status"] = self._status
        routes["/api/v1/motd"] = self._motd
        routes["/api/v1/user/info"] = self._user_info
        routes["/api/v1/proj/list"] = self._proj_list
        routes["/api/v1/user/encrypted_token"] = self._login

    @property
    def url(self) -> str:
        return self.server.url

    # -- what the tests assert on --------------------------------------------------------

    def violations(self) -> list[str]:
        """Every request that broke a rule: no version header on /api/v1, a login, a token off the API."""
        found = []
        for _method, path, headers in self.server.requests:
            lower = {k.lower(): v for k, v in headers.items()}
            if path.startswith("/api/v1") and "x-cli-version" not in lower:
                found.append(f"no X-CLI-Version on {path}")
            if path.startswith(("/api/v1/user/encrypted_token", "/api/v1/user/second_factor")):
                found.append(f"login call {path}")
            if "authorization" in lower and path.split("?")[0] not in ("/api/v1/user/info", "/api/v1/proj/list"):
                found.append(f"credentials sent to {path}")
            if "authorization" in lower and lower["authorization"] != f"Bearer {self.token}":
                found.append(f"something other than the token in Authorization on {path}")
        return found

    def authorised_paths(self) -> list[str]:
        return [p for _, p, h in self.server.requests if any(k.lower() == "authorization" for k in h)]

    # -- handlers ------------------------------------------------------------------------

    def _pause(self) -> None:
        if self.slow_s:
            time.sleep(self.slow_s)

    def _status(self, request: Any) -> None:
        self._pause()
        if self.mode == "html-500":
            request.send_body(b"<html><h1>502 Bad Gateway</h1></html>", status=502, content_type="text/html")
            return
        request.send_json({"status": "ready"})

    def _motd(self, request: Any) -> None:
        self._pause()
        if "X-CLI-Version" not in request.headers:
            request.send_json({"message": "No version found in request, cannot proceed."}, status=403)
        elif self.motds:
            request.send_json({"motds": self.motds, "keys": ["MOTD ID", "Message", "Created"]})
        else:
            request.send_json({"message": "There are no active MOTDs."})

    def _authorised(self, request: Any) -> bool:
        if self.mode == "html-500":
            request.send_body(b"<html>Internal Server Error</html>", status=500, content_type="text/html")
            return False
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            request.send_json({"message": "Invalid token"}, status=401)
            return False
        answers = {
            "maintenance": (503, "Maintenance of DDS is ongoing."),
            "expired": (401, "Expired token"),
            "invalid": (401, "Invalid token"),
            "deactivated": (403, "Your account has been deactivated. You cannot use the DDS."),
        }
        if self.mode in answers:
            status, message = answers[self.mode]
            request.send_json({"message": message}, status=status)
            return False
        return True

    def _user_info(self, request: Any) -> None:
        self._pause()
        if self._authorised(request):
            request.send_json({"info": self.user})

    def _proj_list(self, request: Any) -> None:
        self._pause()
        if self._authorised(request):
            total = sum(p["Size"] for p in self.projects)
            request.send_json({"project_info": self.projects, "total_size": total, "always_show": False})

    def _login(self, request: Any) -> None:
        request.send_json({"message": "Too many authentication requests in one hour"}, status=429)


@contextmanager
def fake_dds(token: str) -> Iterator[FakeDDS]:
    with local_server() as server:
        yield FakeDDS(server, token)


def dumps(document: Any) -> bytes:
    return json.dumps(document).encode()
