"""Probe: can `dds` use the token file, and can nobody else read it (sections J and I)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dds_healthcheck.model import Finding, fail, ok, skip, warn
from dds_healthcheck.probe import Probe
from dds_healthcheck.token_file import FileKind, TokenFileState, can_read, inspect_token_file

if TYPE_CHECKING:
    from dds_healthcheck.context import ProbeContext

#: The only modes `dds` accepts (dds_cli/user.py): 0600, or 0640 after `--allow-group` login.
PRIVATE_MODE = 0o600
GROUP_MODE = 0o640


class TokenPermissions(Probe):
    id = "token.permissions"
    title = "Token file permissions"
    sections = ("J", "I")
    timeout_s = 5.0

    def run(self, ctx: ProbeContext) -> Finding:
        path = ctx.settings.token_path
        shown = ctx.host.display_path(path)
        state = inspect_token_file(path)
        problem = _unusable(state, shown)
        if problem is not None:
            return problem
        via = f" (a symlink to {ctx.host.display_path(state.symlink_target or '?')})" if state.is_symlink else ""
        facts = {"path": shown, "symlink": state.is_symlink}
        if ctx.host.is_windows:
            return _check_windows_acl(ctx, shown, via, facts)
        return _check_posix(ctx, state, shown, via, facts)


def _unusable(state: TokenFileState, shown: str) -> Finding | None:
    """A finding for a token path that is not a regular file, or None when it is one."""
    if state.kind is FileKind.MISSING:
        return skip(f"no token file at {shown} (token.expiry says what to do)", path=shown)
    relogin = f"remove {shown} and run `dds auth login` again."
    relogin_sentence = "R" + relogin[1:]
    problems = {
        FileKind.DANGLING_SYMLINK: (
            f"{shown} is a symlink to {state.symlink_target}, which does not exist",
            f"Point the symlink at the token file, or {relogin}",
        ),
        FileKind.SYMLINK_LOOP: (f"{shown} is a symlink loop", relogin_sentence),
        FileKind.INACCESSIBLE: (
            f"cannot look at {shown}: {state.error}",
            (
                "Give your user access to the folder that holds the token, or pass --token-path "
                "with a token file of your own."
            ),
        ),
        FileKind.DIRECTORY: (
            f"{shown} is a directory, not a token file",
            f"Move the directory away; `dds auth login` then creates the token file at {shown}.",
        ),
        FileKind.SPECIAL: (f"{shown} is not a regular file (a pipe, socket or device)", relogin_sentence),
    }
    if state.kind not in problems:
        return None
    summary, remedy = problems[state.kind]
    return fail(summary, remedy=remedy, sections=("J",), path=shown, symlink=state.is_symlink)


def _check_posix(ctx: ProbeContext, state: TokenFileState, shown: str, via: str, facts: dict[str, Any]) -> Finding:
    mode = state.mode or 0
    facts = {**facts, "mode": f"{mode:04o}", "owner_uid": state.uid, "user_uid": ctx.host.euid}
    wanted = GROUP_MODE if ctx.settings.allow_group else PRIVATE_MODE
    chmod = f"chmod {wanted:o} {shown}"
    read_error = can_read(ctx.settings.token_path)
    facts["readable"] = read_error is None
    foreign = ctx.host.euid is not None and state.uid != ctx.host.euid
    shared_by_design = ctx.settings.allow_group and mode == GROUP_MODE and read_error is None
    if read_error is not None or (foreign and not shared_by_design):
        owner = f"owned by uid {state.uid}, not by you (uid {ctx.host.euid})" if foreign else ""
        unreadable = f"you cannot read it ({read_error.strerror})" if read_error is not None else ""
        why = " and ".join(p for p in (owner, unreadable) if p)
        return fail(
            f"{shown}{via} is {why}",
            detail="dds accepts the mode but then stops with 'Permission denied' when it "
            "opens the file. A token is personal: each account logs in with its own.",
            remedy="Log in as this user (`dds auth login`), or use --token-path with a token "
            "file this user owns; to share one deliberately, the owner logs in with "
            "`dds auth login --allow-group` and this user must be in the file's group.",
            sections=("J",),
            **facts,
        )
    if mode == PRIVATE_MODE:
        return ok(f"mode 0600{via}: only you can read the token", **facts)
    if mode == GROUP_MODE and ctx.settings.allow_group:
        shared = " (owned by another user, shared through the group)" if foreign else ""
        return ok(f"mode 0640{via}: group may read it, as --allow-group intends{shared}", **facts)
    if mode == GROUP_MODE:
        return warn(
            f"mode 0640{via}: members of the file's group can read your token",
            detail="dds accepts 0640 because `dds auth login --allow-group` creates it. "
            "If you did not mean to share the token, make it private.",
            remedy=f"Run `{chmod}`, or pass --allow-group if the sharing is deliberate.",
            sections=("J",),
            **facts,
        )
    return fail(
        f"mode {mode:04o}{via}: dds refuses the token file (it accepts only 0600, or 0640 after --allow-group)",
        detail="Every dds command, even `dds auth logout`, stops with 'Token file permissions are not properly set'.",
        remedy=f"Run `{chmod}`, or delete {shown} and run `dds auth login` again.",
        sections=("J",),
        **facts,
    )


def _check_windows_acl(ctx: ProbeContext, shown: str, via: str, facts: dict[str, Any]) -> Finding:
    if ctx.host.read_acl is None:
        msg = "no way to read the file's access list on this machine"
        raise RuntimeError(msg)
    from dds_healthcheck import windows

    text = ctx.host.read_acl(ctx.settings.token_path)
    verdict = windows.judge_acl(windows.parse_icacls(text, ctx.settings.token_path), ctx.host.username)
    facts = {
        **facts,
        "mode_bits_checked_by_dds": False,
        "acl_entries": len(verdict.entries),
        "inherited_entries": verdict.inherited,
        "other_principals": len(verdict.others),
    }
    fix = f'icacls "{shown}" /inheritance:r /grant:r "%USERNAME%:(R,W)"' + "".join(
        f' /remove "{name}"' for name in verdict.others
    )
    if verdict.inherited or verdict.others:
        reasons = []
        if verdict.inherited:
            reasons.append(f"{verdict.inherited} entries inherited from the folder")
        if verdict.others:
            reasons.append("access for " + ", ".join(verdict.others))
        return warn(
            f"{shown}{via} can be read by more than you: " + "; ".join(reasons),
            detail="dds does not check file modes on Windows; it only tries to restrict the "
            "file with icacls when it saves a new token.",
            remedy=f"Restrict the file: `{fix}`.",
            sections=("I",),
            **facts,
        )
    return ok(
        f"only you have access to {shown}{via} (checked with icacls)",
        detail="dds does not check file modes on Windows; the access list is what protects the token.",
        sections=("I",),
        **facts,
    )
