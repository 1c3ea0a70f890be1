"""The world the hostile-output matrix runs in, and its invariants (tests/test_hostile_*.py).

Every test gets a fresh folder holding a three-table source folder (``data/``), a single
transaction log (``log.csv``) with its customers file (``cust.csv``), a model trained on
``data/`` (``model.json``), an ids file and an existing output (``old.csv``). An error
case must exit 2 with ONE line on stderr carrying its needles, no traceback, and leave
every file of the world byte for byte as it was: nothing written, nothing replaced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from conftest import TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS, write_tables
from typer.testing import CliRunner

from segtui.cli import app

runner = CliRunner()

LOG = """customer,date,amount
C1,2024-01-05,10.0
C1,2024-02-10,40.0
C2,2024-04-01,120.0
C3,2024-01-20,12.0
C3,2024-03-20,12.0
C4,2024-06-10,25.0
C6,2024-05-05,40.0
"""
CUSTOMERS = """CustomerID,Region
C1,Europe
C2,Asia
C3,Europe
C4,Asia
C6,Asia
"""


@dataclass
class World:
    """Paths of one test's files."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "log.csv"

    @property
    def customers(self) -> Path:
        return self.root / "cust.csv"

    @property
    def model(self) -> Path:
        return self.root / "model.json"

    @property
    def ids(self) -> Path:
        return self.root / "ids.txt"

    @property
    def old(self) -> Path:
        return self.root / "old.csv"

    def p(self, name: str) -> str:
        """A path in the world, as a string argument."""
        return str(self.root / name)


def build_world(root: Path, model: Path) -> World:
    """Write the world's files into ``root`` (``model`` is copied)."""
    world = World(root)
    write_tables(world.data, TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)
    world.log.write_text(LOG, encoding="utf-8")
    world.customers.write_text(CUSTOMERS, encoding="utf-8")
    shutil.copy(model, world.model)
    world.ids.write_text("C1\nC2\n", encoding="utf-8")
    world.old.write_text("CustomerID,segment\nold,0\n", encoding="utf-8")
    return world


def train_model(folder: Path, target: Path) -> Path:
    """A model trained on the tiny folder, k = 2."""
    write_tables(folder, TINY_CUSTOMERS, TINY_PRODUCTS, TINY_TRANSACTIONS)
    result = runner.invoke(app, ["run", str(folder), "-k", "2", "--save-model", str(target), "-q"])
    assert result.exit_code == 0, result.stderr
    return target


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: a file's BLAKE2b, a link's target, a FIFO's kind."""
    seen: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = str(path.relative_to(root))
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                seen[key] = "link:" + os.readlink(path)
            elif stat.S_ISREG(mode):
                seen[key] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
            elif stat.S_ISDIR(mode):
                seen[key] = "dir"
            else:
                seen[key] = "special"
    return seen


def assert_one_line_error(exit_code: int, stderr: str, stdout: str, *needles: str) -> str:
    """Exit 2, one line on stderr holding every needle, no traceback; returns the line."""
    assert "Traceback" not in stderr + stdout, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("segtui: using ")]
    assert exit_code == 2, (exit_code, stderr, stdout)
    assert len(lines) == 1, stderr
    assert lines[0].startswith("segtui: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
