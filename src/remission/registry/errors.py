"""What the registry's services and selectors raise. Views turn these into messages at the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One broken rule: which record, which field, which rule, and a sentence for a person."""

    record: str
    field: str
    rule: str
    message: str

    def __post_init__(self) -> None:
        # a message built from a lazy translation is fixed here, in the language active when the rule ran,
        # so a stored or compared Problem holds plain text
        for name in ("record", "field", "rule", "message"):
            value = getattr(self, name)
            if not isinstance(value, str):
                object.__setattr__(self, name, str(value))

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message} [{self.rule}]"


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""


class NotFound(RegistryError):
    """No such record for this user: it does not exist, or it belongs to a centre the user cannot see.

    The two cases are deliberately the same, so that another centre's records are not revealed.
    """


class PermissionDenied(RegistryError):
    """The user may see the record but not do this to it (e.g. a viewer trying to edit)."""


class ValidationFailed(RegistryError):
    """The write broke one or more rules; nothing was written."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def for_field(self, field: str) -> list[Problem]:
        return [p for p in self.problems if p.field == field]


@dataclass(frozen=True)
class Conflict:
    field: str
    yours: Any
    theirs: Any


class StaleEdit(RegistryError):
    """Someone changed the record after this user read it; the edit was refused, nothing was written."""

    def __init__(self, record: str, read_version: int, current_version: int, conflicts: tuple[Conflict, ...]):
        self.record = record
        self.read_version = read_version
        self.current_version = current_version
        self.conflicts = conflicts
        fields = ", ".join(f"{c.field} (yours {c.yours!r}, now {c.theirs!r})" for c in conflicts) or "none"
        super().__init__(
            f"{record} was changed by someone else after you opened it (you edited version {read_version}, "
            f"it is now version {current_version}); your edit was not saved. Fields in conflict: {fields}"
        )
