"""Find a double quote inside an unquoted CSV value (``x"y``).

RFC 4180 allows a double quote only in a value that is itself in quotes (doubled there).
Python's csv module reads ``x"y`` as text, Polars' reader fails on the whole chunk with
"CSV malformed: expected 0 rows, actual 58 rows, in chunk starting at row_offset 2", which
names neither the row nor the column. :func:`stray_quote` finds it, for the error message
(``structure.find_stray_quote``); it runs only after a read failed.
"""

from __future__ import annotations


def stray_quote(text: str, separator: str) -> tuple[int, int, str] | None:
    """``(row, field, value)`` of the first stray quote in CSV ``text`` (rows count
    records from 1 after the header, fields from 0), or None. Quoted values may span
    lines and hold doubled quotes and separators."""
    record = 0  # 0 = the header
    quoted = False
    for line in text.splitlines():
        if not quoted and '"' not in line:
            record += 1
            continue
        field, start, value, i = 0, True, "", 0
        while i < len(line):
            ch = line[i]
            if quoted:
                if ch == '"' and line[i + 1 : i + 2] == '"':
                    i += 1
                elif ch == '"':
                    quoted = False
            elif ch == separator:
                field, start, value = field + 1, True, ""
                i += 1
                continue
            elif ch == '"' and start:
                quoted = True
            elif ch == '"' and record > 0:
                end = line.find(separator, i)
                return record, field, value + line[i : end if end >= 0 else len(line)]
            value += ch
            start = False
            i += 1
        if not quoted:
            record += 1
    return None
