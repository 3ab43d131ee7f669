"""The run stream: one JSON object per line, written whole and flushed (docs/stream.md)."""
import json
import math
import os
import sys
from typing import Any


# The last line of a stream its writer closed (docs/stream.md): nothing more of this run comes.
END = {"end": True}


def clean(value: Any) -> Any:
    """Inf and NaN as the strings the reader takes, never bare tokens."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def encode(obj: dict) -> str:
    return json.dumps(clean(obj), allow_nan=False, ensure_ascii=False)


class StreamWriter:
    """Appends whole lines to a file (truncated when opened) or standard output ("-")."""

    def __init__(self, path: str):
        self.path = path
        self._file = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")

    def write(self, obj: dict):
        self._file.write(encode(obj) + "\n")
        self._file.flush()

    def close(self):
        if self._file is not sys.stdout and not self._file.closed:
            self._file.close()


def rank_path(path: str, rank: int) -> str:
    """run.jsonl → run.rank1.jsonl; run → run.rank1."""
    root, ext = os.path.splitext(path)
    return f"{root}.rank{rank}{ext}"
