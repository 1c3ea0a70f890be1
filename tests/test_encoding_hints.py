"""The fix an encoding error prints must work when typed as printed: it converts the file
the source reads (a folder table keeps its name) and decompresses a .gz first."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()
needs_tools = pytest.mark.skipif(
    shutil.which("iconv") is None or shutil.which("gzip") is None or shutil.which("sh") is None,
    reason="runs the printed fix, which uses the iconv and gzip commands",
)


def printed_fix(result) -> str:
    """The shell command after 'Convert it: ' in the one-line error."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert "Convert it: " in line, line
    return line.split("Convert it: ", 1)[1]


def latin1_folder(folder: Path, zeotap_dir: Path) -> Path:
    """The reference tables with one customer renamed 'José', Customers.csv in Latin-1."""
    for name in ("Products.csv", "Transactions.csv"):
        shutil.copy(zeotap_dir / name, folder / name)
    text = (zeotap_dir / "Customers.csv").read_text(encoding="utf-8-sig")
    text = text.replace("Lawrence Carroll", "José Carroll")
    (folder / "Customers.csv").write_bytes(text.encode("latin-1"))
    return folder


@needs_tools
def test_latin1_fix_converts_the_folder_table_the_run_reads(tmp_path, zeotap_dir):
    folder = latin1_folder(tmp_path, zeotap_dir)
    fix = printed_fix(runner.invoke(app, ["run", str(folder), "-q", "--out", "-"]))
    subprocess.run(["sh", "-c", fix], check=True, cwd=tmp_path)
    result = runner.invoke(app, ["run", str(folder), "-q", "--out", "-"])
    assert result.exit_code == 0, result.stderr
    assert "José Carroll" in result.stdout


@needs_tools
def test_latin1_fix_of_a_gzip_log_decompresses_before_converting(tmp_path):
    names = ("José", "Ana")
    lines = ["customer,date,amount"]
    lines += [f"{n}{i},2024-01-{1 + i % 28:02d},{10 + i}" for i in range(40) for n in names]
    log = tmp_path / "orders.csv.gz"
    log.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("latin-1")))
    fix = printed_fix(runner.invoke(app, ["run", str(log), "-q", "--out", "-"]))
    subprocess.run(["sh", "-c", fix], check=True, cwd=tmp_path)
    result = runner.invoke(app, ["run", str(log), "-q", "--out", "-"])
    assert result.exit_code == 0, result.stderr
    assert "José0" in result.stdout
