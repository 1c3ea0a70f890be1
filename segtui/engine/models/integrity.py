"""Integrity of model files and inputs: content hashes of input files and the checksum
that seals a model document (so a hand-edited or corrupted model is refused)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from segtui.engine.output.writers import json_text

HASH_ALGORITHM = "blake2b-256"
HASH_CHUNK = 1 << 20
# The content checksum: BLAKE2b-256 of the document's canonical JSON without this key.
# It catches hand edits and corruption that still parse (a changed centroid or scale);
# it is not a signature against someone who recomputes it.
CHECKSUM_KEY = "checksum"


def hash_files(paths: Iterable[Path]) -> dict[str, Any]:
    """BLAKE2b-256 of each input file's bytes (streamed, 1 MiB at a time) and of them all.

    Returns ``{"algorithm", "digest", "files": [{"name", "bytes", "digest"}]}``; the
    combined digest covers file names and contents, so it changes when any byte does.
    """
    combined = hashlib.blake2b(digest_size=32)
    files = []
    for path in sorted({Path(p) for p in paths}, key=lambda p: p.name):
        single = hashlib.blake2b(digest_size=32)
        size = 0
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK):
                single.update(chunk)
                size += len(chunk)
        digest = single.hexdigest()
        combined.update(f"{path.name}\0{size}\0{digest}\n".encode())
        files.append({"name": path.name, "bytes": size, "digest": digest})
    return {"algorithm": HASH_ALGORITHM, "digest": combined.hexdigest(), "files": files}


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as written (plain JSON values) with its checksum added."""
    plain = json.loads(json_text({k: v for k, v in document.items() if k != CHECKSUM_KEY}))
    return plain | {CHECKSUM_KEY: content_checksum(plain)}


def content_checksum(document: dict[str, Any]) -> str:
    """``blake2b-256:<hex>`` of the canonical JSON of ``document`` minus its checksum."""
    body = {k: v for k, v in document.items() if k != CHECKSUM_KEY}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{HASH_ALGORITHM}:{hashlib.blake2b(text.encode(), digest_size=32).hexdigest()}"
