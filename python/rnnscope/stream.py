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
        self._reader_gone = False

    def write(self, obj: dict):
        if self._reader_gone:
            return
        try:
            self._file.write(encode(obj) + "\n")
            self._file.flush()
        except BrokenPipeError:
            # The viewer reading the pipe quit (q in `rnnscope watch -`): watching is over,
            # the training is not.
            self._reader_gone = True
            reader = "standard output" if self.path == "-" else self.path
            print(f"rnnscope: the reader of {reader} has gone: no more records; the loop goes on", file=sys.stderr)
            # What the failed flush left buffered is flushed again (at the close, or by Python
            # at exit for standard output): into /dev/null, not the same closed pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._file.fileno())
            os.close(devnull)

    def close(self):
        if self._file is not sys.stdout and not self._file.closed:
            self._file.close()


def rank_path(path: str, rank: int) -> str:
    """run.jsonl → run.rank1.jsonl; run → run.rank1."""
    root, ext = os.path.splitext(path)
    return f"{root}.rank{rank}{ext}"
