"""The roles in the review loop: who may agree a level, who may only read, who runs the tool."""

from __future__ import annotations

from enum import StrEnum

from cse_pdf.base.errors import ReviewError


class Role(StrEnum):
    ADMIN = "admin"  # uploads returns and manages users (cse-pdf serve); agrees nothing
    TEAM_MANAGER = "team-manager"
    CSE_PREVENTION_MANAGER = "cse-prevention-manager"
    VIEWER = "viewer"  # reads, never agrees

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[Role, str] = {
    Role.ADMIN: "Administrator",
    Role.TEAM_MANAGER: "Team Manager",
    Role.CSE_PREVENTION_MANAGER: "CSE Prevention Manager",
    Role.VIEWER: "Viewer",
}


def parse_role(given: str | Role, record_id: int | None = None) -> Role:
    """A role by its value or its label, in any case ("team-manager", "Team Manager")."""
    text = " ".join(str(given).split()).casefold()
    for role in Role:
        if text in (role.value, role.label.casefold()):
            return role
    where = f"record {record_id}: " if record_id is not None else ""
    raise ReviewError(f"{where}no role {str(given)[:40]!r}; the roles are {', '.join(r.value for r in Role)}")
