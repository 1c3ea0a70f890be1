"""User-facing errors.

Everything a user can fix (a missing file, a missing column, an unparsable date, a bad
option value) is raised as :class:`SegtuiError`. The faces turn it into one readable line
(CLI, exit code 2) or a notification (UI). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class SegtuiError(Exception):
    """An error the user can fix, with the file, column and example row that show it."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.column = column
        self.row = row
        self.value = value
        self.hint = hint

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.column:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        text = self.message
        if where:
            text = f"{': '.join([', '.join(where)])}: {text}"
        if self.value is not None:
            text += f" (value: {self.value!r})"
        if self.hint:
            text += f". {self.hint[:1].upper()}{self.hint[1:]}"
        return text


class InputError(SegtuiError):
    """The input data cannot be read or does not have what the run needs."""


class OptionError(SegtuiError):
    """An option value is invalid (k out of range, unknown feature, bad date…)."""


class OutputError(SegtuiError):
    """An output cannot be written (exists without --force, folder missing…)."""


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 customer', '3 customers' (with thousands separators)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
