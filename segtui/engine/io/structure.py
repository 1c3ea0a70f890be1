"""Encoding and structure checks of a text file, the same for every source.

Every CSV/TSV/gzip file (a folder's tables, a single log, the ``--customers`` file) passes
here before Polars reads it, because Polars either fails with a message naming no row
(an unclosed quote, a row with an extra field, bytes that are not UTF-8) or, worse, reads
damaged text as valid (a NUL byte or a byte-order mark inside a customer id makes a second
customer). Each problem is an :class:`InputError` naming the file, the row (counted from 1
after the header, as in every segtui message), the column where it can be told, and the fix.

What is checked, and where:

* the encoding must be UTF-8 (a leading BOM is fine). UTF-16/UTF-32 are recognised by their
  BOM or by the pattern of NUL bytes they leave in ASCII text; a byte that is not UTF-8 is
  reported with the encoding it most likely is (Latin-1/Windows-1252) and an ``iconv``
  command. Polars reads strictly, so a bad byte anywhere in the file stops the run and
  :func:`find_bad_utf8` names its row; nothing is replaced by U+FFFD.
* NUL bytes and BOMs at the start of a later line are searched in the whole file (a fast
  byte search; for ``.gz`` files in the checked start only).
* lines ending in a lone CR (classic Mac) are refused with a conversion command: Polars
  would read the whole file as one header line.
* the header, read from the raw first line, must not repeat a column name.
* rows: closed quotes and no row with more fields than the header, in the first
  ``STRUCTURE_CHECK_BYTES`` (all of it when a read fails later, to name the row). Rows with
  fewer fields are usable (some tools drop trailing empty cells) and give a warning.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import shlex
from pathlib import Path
from typing import IO

from segtui.engine.errors import InputError

# How much of each text file is parsed up front with the csv module (bytes).
STRUCTURE_CHECK_BYTES = 1024 * 1024
_BOM = codecs.BOM_UTF8
_WIDE_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}
_UTF8_HINT = "save the file as UTF-8 text (any spreadsheet can: 'CSV UTF-8')"


def _open(path: Path) -> IO[bytes]:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile is IO[bytes]
    return path.open("rb")


def _read_head(path: Path, limit: int | None) -> tuple[bytes, bool]:
    """The first ``limit`` bytes (all when None) and whether that is the whole file."""
    try:
        with _open(path) as handle:
            data = handle.read() if limit is None else handle.read(limit)
            complete = limit is None or handle.read(1) == b""
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=path) from None
    return data, complete


def check_encoding(path: Path, data: bytes) -> None:
    """Raise InputError when ``data`` (the file's start) is UTF-16/32 or holds a NUL byte,
    a BOM at the start of a later line or lone-CR line ends; then search the whole
    (uncompressed) file for NUL bytes and mid-file BOMs."""
    for bom, name in _WIDE_BOMS.items():
        if data.startswith(bom):
            raise _wide_text(path, name)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    sample = data[:4096]
    if sample and sample.count(0) * 4 >= len(sample):
        # ASCII text in UTF-16 is every other byte NUL; no BOM when saved by some tools.
        raise _wide_text(path, "UTF-16" if sample.count(0) * 3 < len(sample) * 2 else "UTF-32")
    _check_bytes(path, data)
    if path.suffix.lower() != ".gz":
        _check_whole_file(path)
    if b"\r" in data and b"\n" not in data:
        raise InputError(
            "lines end with a lone CR (old Mac line endings), so the file reads as one line",
            file=path,
            hint="convert the line ends: " + rewrite_command(path, "tr '\\r' '\\n'"),
        )


def rewrite_command(path: Path, text_filter: str) -> str:
    """A shell command that passes ``path``'s text through ``text_filter`` and leaves the
    result under the same name (the original kept as ``<name>.orig``). Why the same name:
    a folder reads ``Transactions.csv``, not a converted copy beside it, and rerunning
    the same command line should read the fixed file. A ``.gz`` file is decompressed
    before the filter and compressed after it (iconv on the compressed bytes corrupts
    it). The path is the one the user gave, quoted for the shell."""
    original = shlex.quote(f"{path}.orig")
    target = shlex.quote(str(path))
    if path.suffix.lower() == ".gz":
        return f"mv {target} {original} && gzip -dc {original} | {text_filter} | gzip > {target}"
    return f"mv {target} {original} && {text_filter} < {original} > {target}"


def _wide_text(path: Path, name: str) -> InputError:
    return InputError(
        f"the file is {name} text, not UTF-8",
        file=path,
        hint=f"convert it: {rewrite_command(path, f'iconv -f {name} -t UTF-8')}",
    )


def _check_bytes(path: Path, data: bytes, line_offset: int = 0) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            "a NUL byte (\\0) in the text; the file is damaged or not text",
            file=path,
            column=_column_at(path, data, nul),
            row=_row(data, nul, line_offset),
            hint="remove the NUL bytes (tr -d '\\000') or export the file again",
        )
    bom = data.find(b"\n" + _BOM)
    if bom >= 0:
        raise InputError(
            "a byte-order mark (BOM) at the start of a line: files were joined with their BOMs",
            file=path,
            column=_column_at(path, data, bom + 1),
            row=_row(data, bom + 1, line_offset),
            hint="remove the BOMs after the first line (sed '2,$s/^\\xEF\\xBB\\xBF//')",
        )


def _column_at(path: Path, data: bytes, offset: int) -> str | None:
    """The header name of the cell holding byte ``offset`` of ``data`` (None if unknown)."""
    start = data.rfind(b"\n", 0, offset) + 1
    if start == 0:
        return None  # the header line itself
    end = data.find(b"\n", offset)
    line = data[start : end if end >= 0 else len(data)]
    return _cell_at(path, line.replace(b"\x00", b" "), offset - start)[0]


def _row(data: bytes, offset: int, line_offset: int = 0) -> int | None:
    """The data row of byte ``offset`` (by line: 0 is the header); None for the header."""
    line = line_offset + data.count(b"\n", 0, offset)
    return line if line else None


# The whole-file search reads this many bytes at a time. It used to map the file, and
# every page it touched counted in the process's resident set: a 600 MB CSV put 0.68 GB
# of RSS on the books before any parsing. Reading in chunks costs one copy from the page
# cache (~0.1 s per GB) and bounds the memory to one chunk.
SCAN_CHUNK = 16 << 20


def _check_whole_file(path: Path) -> None:
    """NUL bytes and mid-file BOMs anywhere in an uncompressed file (memchr-fast search,
    chunk by chunk; each chunk starts with the previous one's last bytes so a BOM after a
    newline is found across a boundary)."""
    keep = len(_BOM)  # a newline and a BOM span at most this many bytes of the last chunk
    try:
        with path.open("rb") as handle:
            offset, tail = 0, b""  # offset: file position of tail's first byte
            while chunk := handle.read(SCAN_CHUNK):
                data = tail + chunk
                for needle, at in ((b"\x00", data.find(b"\x00")), (b"\n" + _BOM, _bom_at(data))):
                    if at >= 0:
                        _report_at(path, offset + at, len(needle))
                tail = data[-keep:]
                offset += len(data) - len(tail)
    except OSError:
        return  # unreadable as a whole (a pipe): the start was checked


def _report_at(path: Path, at: int, width: int) -> None:
    """Raise the error of the bad bytes at file offset ``at``: re-read the file up to
    that line to count its row (only on the error path)."""
    lines, line_start = 0, 0
    with path.open("rb") as handle:
        pos = 0
        while pos < at:
            chunk = handle.read(min(SCAN_CHUNK, at - pos))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            last = chunk.rfind(b"\n")
            if last >= 0:
                line_start = pos + last
            pos += len(chunk)
        handle.seek(line_start)
        region = handle.read(at + width - line_start)
    # _check_bytes counts the region's own newline (it starts at the line's newline).
    _check_bytes(path, region, lines - 1 if line_start else 0)


def _bom_at(view: bytes) -> int:
    """Offset of the first newline followed by a BOM, or -1. A single-byte search (memchr)
    for the BOM's first byte is ~15x faster than searching the 4-byte sequence, and that
    byte is rare in text (it starts only the characters U+F000-U+FFFF)."""
    pos, seen = 1, 0
    while (at := view.find(b"\xef", pos)) >= 0:
        if view[at - 1 : at + 3] == b"\n" + _BOM:
            return at - 1
        pos, seen = at + 1, seen + 1
        if seen > 10_000:  # text full of such characters: the plain search is faster
            return view.find(b"\n" + _BOM, pos - 1)
    return -1


def check_structure(path: Path, separator: str, *, whole: bool = False) -> list[str]:
    """Check a text file: encoding (see :func:`check_encoding`), a header without repeated
    names, closed quotes and no row with more fields than the header, in the first
    ``STRUCTURE_CHECK_BYTES`` (``whole``: the whole file). Raises InputError naming the
    first bad row; returns a warning about rows with fewer fields, or an empty list."""
    data, complete = _read_head(path, None if whole else STRUCTURE_CHECK_BYTES)
    check_encoding(path, data)
    if not complete:
        # Stop at the last line break so the final, cut-off row is not judged.
        data = data[: data.rfind(b"\n") + 1]
    text = _decode(path, data, cut=not complete)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows_read = 0
    try:
        header = next((row for row in reader if any(cell.strip() for cell in row)), None)
        if header is None:
            if complete:
                raise InputError("the file is empty (no header line)", file=path)
            return []
        _check_header(path, header)
        width = len(header)
        short_rows, first_short = 0, 0
        for row in reader:
            rows_read += 1
            if not row:  # a blank line: Polars skips it too
                continue
            if len(row) < width:
                short_rows += 1
                first_short = first_short or rows_read
            elif len(row) > width:
                raise InputError(
                    f"row has {len(row)} field{'s' * (len(row) != 1)}, the header has {width}",
                    file=path,
                    row=rows_read,
                    hint="a value containing the separator must be in double quotes",
                )
    except csv.Error as exc:
        if not complete and "unexpected end of data" in str(exc):
            return []  # a quoted field that continues past the checked part
        raise InputError(
            f"malformed CSV ({exc})",
            file=path,
            row=rows_read + 1,
            hint="a quote opened in this row is never closed"
            if "unexpected end of data" in str(exc)
            else "check the quotes in this row",
        ) from None
    if not short_rows:
        return []
    return [
        f"{short_rows:,} row{'s' * (short_rows != 1)} of {path.name} "
        f"{'have' if short_rows != 1 else 'has'} fewer fields than the header (first: row "
        f"{first_short}); the missing cells are read as empty."
    ]


def _check_header(path: Path, header: list[str]) -> None:
    names = [name.strip() for name in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(
                "duplicated column: two columns have this name in the header line",
                file=path,
                column=name,
                hint="rename or remove one of them",
            )
        seen.add(name)


def check_names(path: Path, names: list[str]) -> None:
    """Raise InputError when a column name repeats (Parquet schemas; Polars renames a
    repeated CSV header to NAME_duplicated_0, which is reported under its own name)."""
    import re

    plain = [m.group(1) if (m := re.fullmatch(r"(.+)_duplicated_\d+", n)) else n for n in names]
    _check_header(path, plain)


def _decode(path: Path, data: bytes, *, cut: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - 4 and exc.reason == "unexpected end of data":
            return data[: exc.start].decode("utf-8-sig")  # a character cut by the limit
        raise bad_utf8(path, data, exc.start) from None


def bad_utf8(path: Path, data: bytes, offset: int, line_offset: int = 0) -> InputError:
    """The error for a non-UTF-8 byte at ``offset`` of ``data``: its row, the column and
    value (read as Latin-1, the usual culprit) when the header tells, and the fix."""
    row = _row(data, offset, line_offset)
    line_start = data.rfind(b"\n", 0, offset) + 1
    line_end = data.find(b"\n", offset)
    line = data[line_start : line_end if line_end >= 0 else len(data)].rstrip(b"\r")
    column, value = _cell_at(path, line, offset - line_start)
    return InputError(
        f"not UTF-8 text (byte 0x{data[offset]:02x}; the file looks like Latin-1/Windows-1252)",
        file=path,
        column=column,
        row=row,
        value=value,
        hint=f"convert it: {rewrite_command(path, 'iconv -f latin1 -t utf-8')}",
    )


def _cell_at(path: Path, line: bytes, offset: int) -> tuple[str | None, str | None]:
    """The column name and the cell (decoded as Latin-1) holding byte ``offset`` of
    ``line``; (None, None) when the header cannot be read."""
    try:
        with _open(path) as handle:
            first = handle.readline().decode("utf-8-sig").rstrip("\r\n")
    except (OSError, EOFError, UnicodeDecodeError):
        return None, None
    separator = max((",", ";", "\t", "|"), key=first.count)
    try:
        header = next(csv.reader([first], delimiter=separator), [])
        text = line.decode("latin-1").replace("\r", " ")
        cells = next(csv.reader([text], delimiter=separator), [])
        before = line[:offset].decode("latin-1").replace("\r", " ") + "x"
        index = next(csv.reader([before], delimiter=separator), [])
    except csv.Error:  # a line too damaged to split: the row alone is named
        return None, None
    at = len(index) - 1
    if 0 <= at < len(header) and at < len(cells):
        return header[at].strip(), cells[at]
    return None, None


def find_bad_utf8(path: Path) -> InputError | None:
    """Stream the whole file; the error for its first non-UTF-8 byte, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with _open(path) as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return bad_utf8(path, chunk, exc.start, lines)
            lines += chunk.count(b"\n")
    return None


def explain_read_error(path: Path, separator: str | None, exc: BaseException) -> InputError:
    """An InputError for a Polars failure while reading text file ``path``: the row of a
    non-UTF-8 byte, an unclosed quote or a row with extra fields (the whole file is
    checked again to find it), else Polars' first line."""
    text = str(exc)
    if "utf-8" in text.lower() or "utf8" in text.lower():
        bad_text = find_bad_utf8(path)
        if bad_text is not None:
            return bad_text
    if separator is not None:
        check_structure(path, separator, whole=True)  # raises with the row when it finds it
        stray = find_stray_quote(path, separator)
        if stray is not None:
            raise stray
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return InputError(f"cannot read the file ({first})", file=path)


def find_stray_quote(path: Path, separator: str) -> InputError | None:
    """The error for the first double quote inside a value that does not start with one
    (``x"y``), naming its row and column: Python's csv module keeps it as text, Polars'
    reader fails on the whole chunk ("CSV malformed: expected 0 rows ...")."""
    from segtui.engine.io.stray_quote import stray_quote

    text = _decode(path, _read_head(path, None)[0], cut=False)
    found = stray_quote(text, separator)
    if found is None:
        return None
    row, field, value = found
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=separator), [])
    return InputError(
        "a double quote inside a value that is not in quotes",
        file=path,
        column=header[field].strip() if field < len(header) else None,
        row=row,
        value=value,
        hint='quote the whole value and double the quote ("x""y"), or remove it',
    )
