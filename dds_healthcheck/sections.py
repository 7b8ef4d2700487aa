"""The DDS troubleshooting guide's sections: the one catalogue the report, probes and `explain` use.

References are a letter ("J") or a letter and a numbered step ("S.2"). Each letter has a
text for users and one for the Data Centre, in this project's own words, built from the
facts of the guide (sections A-T) and of the dds CLI and server.
"""

from __future__ import annotations

import dataclasses
import enum

GUIDE_URL = "https://delivery.scilifelab.se/trouble"
SUPPORT_EMAIL = "delivery@scilifelab.se"


class Audience(str, enum.Enum):
    USER = "user"
    DATA_CENTRE = "data-centre"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Section:
    reference: str
    title: str
    #: What the problem is, in a sentence or two.
    meaning: str
    #: What a user (unit staff or researcher) should do.
    user: str
    #: What Data Centre staff should do when a ticket arrives.
    data_centre: str

    def advice(self, audience: Audience) -> str:
        return self.user if audience is Audience.USER else self.data_centre


def _section(reference: str, title: str, meaning: str, user: str, data_centre: str) -> Section:
    return Section(reference=reference, title=title, meaning=meaning, user=user, data_centre=data_centre)


_SECTIONS = [
    _section(
        "A",
        "Invitation link invalid",
        "An invitation to the DDS can be used for 7 days; after that, or after a failed "
        "registration, its link no longer works.",
        "Ask the unit that invited you to delete the old invitation (`dds user delete --is-invite`) "
        "and invite you again. If it was less than 7 days old, they should also tell the Data Centre.",
        "Have the unit delete the invitation (`dds user delete --is-invite`) and send a new one; Super "
        "Admins can delete it if the unit cannot, but should not send invitations themselves.",
    ),
    _section(
        "B",
        "Too many authentication requests in one hour",
        "The DDS allows 10 logins (or login attempts) per hour from one network address; users "
        "behind the same NAT or transfer node share that budget.",
        "Wait an hour, then log in once. Avoid scripts that log in and out repeatedly.",
        "Nothing to change on the server: ask the user to wait an hour and try again.",
    ),
    _section(
        "C",
        "Web: invalid username or password",
        "The username or the password is not the one the DDS has; passwords cannot be looked up.",
        "Check the username (unit staff can list users with `dds user ls`; researchers ask the unit "
        "that invited them). If the password is forgotten, reset it on the web page, and ask a Unit "
        "Admin or Personnel to run `dds project access fix` for you afterwards, or you lose project access.",
        "Check that the user followed the user steps and sent what is asked for. Rule out the 10-per-hour "
        "login limit. If nothing helps, offer to delete and re-invite the account; project access must "
        "then be renewed by someone in the unit.",
    ),
    _section("C.1", "Check the username", "", "", ""),
    _section("C.2", "Check the password", "", "", ""),
    _section(
        "D",
        "CLI: failed to authenticate user (missing or incorrect credentials)",
        "The CLI's login was refused: wrong username or password, or a .netrc entry that replaces "
        "the credentials dds sends.",
        "Follow section C. Also check ~/.netrc for an entry for the DDS or a 'default' entry, which "
        "replaces dds's token in every request.",
        "Handle as section C; ask whether a .netrc file is in use.",
    ),
    _section(
        "E",
        "Not receiving e-mails",
        "One-time codes and invitations come by e-mail; some mail filters (KI's among them) delay "
        "them a lot. A new code is only sent when none was sent in the last 15 minutes.",
        "Wait a while, check the junk folder and the address you registered; a code from the last 15 "
        "minutes is still valid. If nothing arrives, contact the Data Centre.",
        "If the address is right and not behind a known slow filter, record it as a bug.",
    ),
    _section(
        "F",
        "CLI documentation not accessible",
        "The online CLI documentation is down or moved.",
        "Use the PDF manual linked from the troubleshooting page, and tell the Data Centre.",
        "Point the user at the PDF manual and look into the documentation site (hosting or infrastructure).",
    ),
    _section(
        "G",
        "Long error message (traceback)",
        "dds stopped with a Python traceback: an error the CLI does not handle, often a corrupt token "
        "file, an old CLI or an unexpected server answer.",
        f"Upgrade dds-cli first. If it happens again, send the whole error message and the command you "
        f"ran: unit staff to {SUPPORT_EMAIL}, researchers to the unit delivering the data.",
        "Make sure the CLI is the latest release, collect the listed information, read the traceback "
        "(usually a CLI problem, not the backend) and record a bug.",
    ),
    _section(
        "H",
        "Token expires during delivery",
        "A login lasts 7 days from the password step; a delivery that runs longer fails part-way with 'Expired token'.",
        "Run `dds auth login` right before every large delivery, then start it again. Split very large "
        "deliveries so each part finishes within the token's life.",
        "Nothing can be done server-side yet; add the case to the existing ticket on token expiry.",
    ),
    _section(
        "I",
        "Windows: warning about storing the login information locally",
        "Windows has no file modes for dds to check, so dds reminds you on every run that the token "
        "file must be kept private. dds works normally.",
        "Keep the token file private (only your account should have access); the warning can be ignored.",
        "No action: the message is informational.",
    ),
    _section(
        "J",
        "Permission denied on the token file (func accounts and shared tokens)",
        "dds accepts a token file only with mode 600 (only you), or 640 after `dds auth login "
        "--allow-group`; a file owned by another account cannot be read.",
        "Make the file private (`chmod 600 ~/.dds_cli_token`) or delete it and log in again. To share a "
        "token with a func account on purpose, log out, then log in with `--allow-group` (not for researchers).",
        "Explain the 600/640 rule and --allow-group; the mode cannot be changed within a session, only by "
        "logging out and in again.",
    ),
    _section(
        "K",
        "QuotaExceeded",
        "The unit's storage quota at the cloud provider is full for this upload.",
        "Contact the Data Centre with the full error message and the size of the data you are uploading.",
        "Confirm the unit and data size, ask the storage provider to raise the unit's quota, and tell the "
        "user when to retry.",
    ),
    _section(
        "L",
        "Unrecoverable key error",
        "You most likely lost access to the project (for example after a password reset), or the "
        "project's status does not allow what you tried.",
        "Run `dds ls` and check the Access column for the project. No access: ask a unit member who still "
        "has access to run `dds project access fix` for you. Access but the wrong status: wait for the "
        "right status. Otherwise contact the Data Centre with the full message and command.",
        "Check that the user is active (`dds user ls`), ask for the output of the user steps, and try the "
        "same command on a new project; report a bug when only one project fails. Nobody, the Data Centre "
        "included, can restore access when no one has it.",
    ),
    _section("L.1", "Check project access and status with `dds ls`", "", "", ""),
    _section("L.2", "Contact the Data Centre", "", "", ""),
    _section(
        "M",
        "Internal Server Error",
        "The DDS hit an unexpected error on its side, usually in its database; or something between "
        "you and the DDS answered with an error page.",
        f"Try again later. If it lasts, write to {SUPPORT_EMAIL} with the command, the time and the full message.",
        "Collect the user's information, read the traceback, and fetch the backend logs if needed (do not "
        "post them publicly).",
    ),
    _section(
        "N",
        "TooManyBuckets",
        "The unit reached the storage provider's limit on buckets (one per project) when creating a project.",
        "Contact the Data Centre. Archiving finished projects frees buckets, but only archive what you are "
        "sure is done: it cannot be undone.",
        "Check the backend logs for the failed bucket creation and ask the storage provider to raise the "
        "unit's bucket limit.",
    ),
    _section(
        "O",
        "Errors occurred during upload",
        "Some files failed to upload or to be registered; the details are in "
        "DataDelivery_*/logs/dds_failed_delivery.json.",
        "Run the same `dds data put` command again, and send that JSON file and the command to the Data Centre.",
        "Get the command and the JSON file, then run `flask update-uploaded-file` for the project in the "
        "backend soon: uploaded files missing from the database take space but cannot be downloaded.",
    ),
    _section(
        "P",
        "Project status cannot be changed (deadlock)",
        "A status change can report an error although it went through, because of a lock in the backend.",
        "Check the project's status first; if it did not change, wait a while and try again.",
        "Ask the user to check the status, then to retry after a while; this is a known backend issue.",
    ),
    _section(
        "Q",
        "Lost access to the authenticator app (2FA)",
        "The authenticator app is gone, or its codes are refused; codes also fail when the computer's "
        "or phone's clock is off by more than about 30 seconds.",
        "Check that your devices' clocks are right. Researchers ask a unit they work with for a 2FA reset; "
        "unit staff ask the Data Centre, giving username and e-mail. E-mail codes then work again.",
        "A Super Admin runs `dds auth twofactor deactivate` for the account.",
    ),
    _section(
        "R",
        "Windows: DDS freezes after printing its banner",
        "The console cannot show dds's banner characters, or is not a real console (PowerShell ISE, "
        "redirected output), and dds appears to hang.",
        "If dds was installed from PyPI, try the standalone executable; set PYTHONUTF8=1 or use Windows "
        "Terminal. If the executable also freezes, tell the Data Centre.",
        "Have the user follow the user steps; the executable usually works. Not reproducible so far.",
    ),
    _section(
        "S",
        "The download is interrupted",
        "Downloads stop on unstable or slow networks, or when the disk fills up.",
        "See S.1 and S.2; if neither applies, contact the unit delivering the data.",
        "So far always network or disk space; collect the user's information and record an issue.",
    ),
    _section(
        "S.1",
        "Downloading from outside Sweden",
        "The data is stored in Sweden; far away, transfers are slower and more fragile.",
        "Use a stable wired connection, not hotel or guest Wi-Fi, and keep the computer awake.",
        "",
    ),
    _section(
        "S.2",
        "Not enough storage space",
        "The destination's disk is full or too small for the data and dds's temporary copies.",
        "Free space or choose a larger destination before downloading again.",
        "",
    ),
    _section("S.3", "Contact the unit delivering the data", "", "", ""),
    _section(
        "T",
        "No data specified",
        "`dds data get` was not told what to download, or `dds data put` found none of the given paths.",
        "Download with --source/-s (one or more files or folders), --source-path-file, or --get-all/-a "
        "for everything; for uploads check that the --source paths exist.",
        "Ask the user to add --source or --get-all as the user section says.",
    ),
]
SECTIONS: dict[str, Section] = {s.reference: s for s in _SECTIONS}
SECTION_TITLES: dict[str, str] = {s.reference: s.title for s in _SECTIONS}


def section_title(reference: str) -> str:
    return SECTION_TITLES.get(reference, "unknown section")


def describe(reference: str) -> str:
    """ "section S.2: Not enough storage space"."""
    return f"section {reference}: {section_title(reference)}"


def letter_of(reference: str) -> str:
    return reference.split(".", 1)[0]


def explanation(reference: str, audience: Audience) -> tuple[str, str]:
    """(meaning, what to do) for a reference; steps fall back to their letter's text."""
    section = SECTIONS.get(reference) or SECTIONS[letter_of(reference)]
    parent = SECTIONS[letter_of(reference)]
    meaning = section.meaning or parent.meaning
    advice = section.advice(audience) or parent.advice(audience)
    return meaning, advice
