"""Probe: will the saved token last through the delivery (section H)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from dds_healthcheck.delivery_size import planned_size
from dds_healthcheck.model import Finding, Status, fail, ok, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.token_file import (
    MAX_TOKEN_BYTES,
    FileKind,
    TokenFormatError,
    inspect_token_file,
    parse_token,
    read_token_bytes,
)
from dds_healthcheck.units import format_bytes, format_duration, format_rate

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

#: dds warns when less than this is left (TOKEN_EXPIRATION_WARNING_THRESHOLD in dds_cli).
WARNING_THRESHOLD = datetime.timedelta(hours=6)
#: The server issues tokens for 168 h; an expiry much further ahead means a wrong clock.
TOKEN_LIFETIME = datetime.timedelta(hours=168)
CLOCK_SLACK = datetime.timedelta(hours=1)
#: Used only when neither a measurement nor --bandwidth says how fast the link is.
ASSUMED_RATE_BYTES_PER_S = 10_000_000.0
#: The delivery should finish with this much of the token's life to spare.
SAFETY_FACTOR = 1.25

LOGIN = "Run `dds auth login` right before the delivery."


class TokenExpiry(Probe):
    id = "token.expiry"
    title = "Token lifetime"
    sections = ("H",)
    timeout_s = 5.0
    after = ("network.throughput", "project")

    def run(self, ctx: ProbeContext) -> Finding:
        path = ctx.settings.token_path
        shown = ctx.host.display_path(path)
        state = inspect_token_file(path)
        if state.kind is FileKind.MISSING:
            return warn(
                f"not logged in: no token file at {shown}",
                remedy=LOGIN,
                detail="Without a token dds asks for your password and a one-time code; "
                "logging in just before a large delivery gives the token its full 7 days.",
                path=shown,
            )
        if state.kind is not FileKind.REGULAR:
            return fail(
                f"cannot read a token from {shown}: it is not a regular file (token.permissions says more)",
                remedy=f"Remove {shown} and run `dds auth login` again.",
                sections=("H", "J"),
                path=shown,
            )
        if state.size == 0:
            return _broken(shown, "the token file is empty", "dds stops every command with 'Token file is empty.'")
        if state.size is not None and state.size > MAX_TOKEN_BYTES:
            return _broken(shown, f"the file is {format_bytes(state.size)}, far too large for a token")
        try:
            raw = read_token_bytes(path)
        except OSError as exc:
            return fail(
                f"cannot read {shown}: {exc.strerror or exc}",
                remedy="See token.permissions; dds stops with 'Permission denied' here too.",
                sections=("H", "J"),
                path=shown,
            )
        try:
            header = parse_token(raw)
        except TokenFormatError as exc:
            return _broken(shown, f"the file is not a DDS token: {exc}")
        if header.expires_at is None:
            return fail(
                "the token has no expiry time: it is left over from an unfinished login "
                "(password given, one-time code not)",
                remedy=f"Delete {shown} and run `dds auth login`, entering the one-time code.",
                detail="dds stops with a traceback on such a file (section G). The health check "
                "never sends it anywhere: the server would e-mail you a new one-time code.",
                sections=("H", "G"),
                path=shown,
            )
        return _judge_lifetime(ctx, header.expires_at, shown)


def _broken(shown: str, what: str, consequence: str = "dds stops with a traceback (section G).") -> Finding:
    return fail(
        what,
        remedy=f"Delete {shown} and run `dds auth login` again.",
        detail=consequence,
        sections=("H", "G"),
        path=shown,
    )


def _rate(ctx: ProbeContext) -> tuple[float, str]:
    """The transfer rate to plan with, and where it comes from."""
    measured = ctx.upstream.get("network.throughput")
    if measured is not None and measured.status is Status.OK:
        rate = measured.data.get("bytes_per_s")
        if isinstance(rate, (int, float)) and rate > 0:
            return float(rate), "measured"
    if ctx.settings.bandwidth_bytes_per_s:
        return ctx.settings.bandwidth_bytes_per_s, "given with --bandwidth"
    return ASSUMED_RATE_BYTES_PER_S, "assumed"


def _judge_lifetime(ctx: ProbeContext, expires_at: datetime.datetime, shown: str) -> Finding:
    now = ctx.clock.now()
    left = expires_at - now
    facts: dict[str, Any] = {
        "path": shown,
        "expires_at": expires_at.isoformat(),
        "seconds_left": round(left.total_seconds()),
        "warning_threshold_s": int(WARNING_THRESHOLD.total_seconds()),
    }
    if left <= datetime.timedelta(0):
        return fail(
            f"the token expired {format_duration(-left.total_seconds())} ago",
            remedy=LOGIN,
            detail="dds deletes an expired token and asks you to log in again.",
            **facts,
        )
    if left > TOKEN_LIFETIME + CLOCK_SLACK:
        return warn(
            f"the token expires in {format_duration(left.total_seconds())}, more than the 7 days "
            "a token lives: this computer's clock is probably behind",
            remedy="Set the clock right (enable automatic time); dds computes expiry from it, "
            "and authenticator-app codes need it too (section Q).",
            sections=("H", "Q"),
            **facts,
        )
    size, size_source = planned_size(ctx)
    if size:
        rate, source = _rate(ctx)
        needed_s = size / rate
        facts.update(
            delivery_bytes=size,
            size_source=size_source,
            rate_bytes_per_s=round(rate),
            rate_source=source,
            estimated_transfer_s=round(needed_s),
        )
        plan = f"{format_bytes(size)} at {format_rate(rate)} ({source}) takes about {format_duration(needed_s)}"
        if needed_s >= left.total_seconds():
            summary = f"the token expires in {format_duration(left.total_seconds())}, before the delivery ends: {plan}"
            remedy = (
                f"{LOGIN} If a fresh 7-day token is still too short, split the delivery "
                "(several --source options) and log in again between parts."
            )
            if source == "assumed":  # an assumption is not enough to call it a failure
                return warn(summary, remedy=remedy + " Pass --bandwidth for a firmer estimate.", **facts)
            return fail(summary, remedy=remedy, **facts)
        if needed_s * SAFETY_FACTOR >= left.total_seconds():
            return warn(
                f"the token expires in {format_duration(left.total_seconds())}, little more than "
                f"the delivery needs: {plan}",
                remedy=LOGIN,
                **facts,
            )
    if left < WARNING_THRESHOLD:
        return warn(
            f"the token expires in {format_duration(left.total_seconds())} (dds warns below 6 h)",
            remedy=LOGIN,
            **facts,
        )
    estimate = facts.get("estimated_transfer_s")
    tail = f"; the delivery needs about {format_duration(float(estimate))}" if isinstance(estimate, int) else ""
    return ok(f"the token is valid for {format_duration(left.total_seconds())}{tail}", **facts)
