"""Exceptions raised for user errors, and the problem record used by validation.

Every user-facing error derives from :class:`AleppoMapError`; the CLI prints its
message and exits with status 2, without a traceback. Validation collects every
:class:`Problem` first and raises one :class:`ValidationError` listing them all.

Examples
--------
>>> p = Problem("data/x.csv", "district_id", "a gazetteer id", "'Hannano'", row=3,
...             hint="did you mean 'hanano'?")
>>> print(p)
data/x.csv, row 3, column 'district_id': expected a gazetteer id, got 'Hannano' (did you mean 'hanano'?)
>>> err = ValidationError([p])
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
1 problem found:
  - data/x.csv, row 3, column 'district_id': expected a gazetteer id, got 'Hannano' (did you mean 'hanano'?)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Exit status of the CLI for any user error.
USER_ERROR_EXIT = 2


class AleppoMapError(ValueError):
    """Base class of the errors a user can cause and fix (bad file, bad option, unknown name)."""

    exit_code: int = USER_ERROR_EXIT


class InputFileError(AleppoMapError):
    """A file is missing, unreadable or of the wrong kind."""


class OutputError(AleppoMapError):
    """An output cannot be written where asked (exists, wrong kind, read-only, full)."""


class UnknownNameError(AleppoMapError):
    """A district name that the gazetteer does not know.

    Parameters
    ----------
    name : str
        The name as given.
    suggestions : Sequence[str]
        The closest known names, best first.
    context : str, optional
        Where the name came from (file and feature), prefixed to the message.
    """

    def __init__(self, name: str, suggestions: Sequence[str] = (), context: str = "") -> None:
        self.name = name
        self.suggestions = list(suggestions)
        self.context = context
        where = f"{context}: " if context else ""
        hint = (
            "; closest known names: " + ", ".join(repr(s) for s in self.suggestions)
            if self.suggestions
            else ""
        )
        super().__init__(f"{where}unknown district name {name!r}{hint}")


@dataclass(frozen=True)
class Problem:
    """One validation failure: where it is, what was expected and what arrived.

    Parameters
    ----------
    file : str
        The file (or other origin) the problem is in.
    column : str
        Column, field or option concerned; empty when the problem is about a whole row.
    expected : str
        What a valid value looks like.
    got : str
        What arrived (already ``repr``-quoted by the caller where helpful).
    row : int or None
        1-based data row, or feature index, when the problem is about one.
    hint : str
        Optional advice, such as a close-match suggestion.
    """

    file: str
    column: str
    expected: str
    got: str
    row: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        text = ", ".join(parts) + f": expected {self.expected}, got {self.got}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ValidationError(AleppoMapError):
    """Every problem found in one validation pass, raised at once.

    Parameters
    ----------
    problems : Iterable[Problem]
        The problems; at least one.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} found:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


def raise_if_any(problems: Sequence[Problem]) -> None:
    """Raise :class:`ValidationError` when *problems* is not empty.

    Parameters
    ----------
    problems : Sequence[Problem]
        Problems collected so far.

    Raises
    ------
    ValidationError
        With every problem, when there is at least one.
    """
    if problems:
        raise ValidationError(problems)
