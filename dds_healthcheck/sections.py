"""The DDS troubleshooting guide's sections, as the report refers to them.

References are a letter ("J") or a letter and a numbered step ("S.2"). Titles name the
guide's sections so that a user can find them in the PDF; every probe's references must
resolve here (a test checks it).
"""

from __future__ import annotations

GUIDE_URL = "https://delivery.scilifelab.se/trouble"

SECTION_TITLES: dict[str, str] = {
    "A": "Invitation link invalid",
    "B": "Too many authentication requests in one hour",
    "C": "Web: invalid username or password",
    "C.1": "Check the username",
    "C.2": "Check the password",
    "D": "CLI: failed to authenticate user (missing or incorrect credentials)",
    "E": "Not receiving e-mails",
    "F": "CLI documentation not accessible",
    "G": "Long error message (traceback)",
    "H": "Token expires during delivery",
    "I": "Windows: warning about storing the login information locally",
    "J": "Permission denied on the token file (func accounts and shared tokens)",
    "K": "QuotaExceeded",
    "L": "Unrecoverable key error",
    "L.1": "Check project access and status with `dds ls`",
    "L.2": "Contact the Data Centre",
    "M": "Internal Server Error",
    "N": "TooManyBuckets",
    "O": "Errors occurred during upload",
    "P": "Project status cannot be changed (deadlock)",
    "Q": "Lost access to the authenticator app (2FA)",
    "R": "Windows: DDS freezes after printing its banner",
    "S": "The download is interrupted",
    "S.1": "Downloading from outside Sweden",
    "S.2": "Not enough storage space",
    "S.3": "Contact the unit delivering the data",
    "T": "No data specified",
}


def section_title(reference: str) -> str:
    return SECTION_TITLES.get(reference, "unknown section")


def describe(reference: str) -> str:
    """ "section S.2: Not enough storage space"."""
    return f"section {reference}: {section_title(reference)}"
