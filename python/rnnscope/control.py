"""The control file through which the viewer steers the loop (docs/stream.md):
pause, let one iteration through, and the clipping threshold."""
import json
import os
import sys
from typing import Optional


class Control:
    """Reads `<stream>.control` when it changes. A missing file means no steering
    (the viewer deletes it when it quits)."""

    def __init__(self, path: str):
        self.path = path
        self.paused = False
        self.clip: Optional[float] = None
        # Which of the viewer's clip settings `clip` is: the loop's records echo it, so the
        # viewer can tell a record made before the loop read its latest from one made after.
        self.clip_seq = 0
        self._key = None
        self._counter: Optional[int] = None
        self._granted = 0
        self._warned = False

    def refresh(self):
        try:
            st = os.stat(self.path)
        except OSError:
            self.paused, self.clip, self._key, self._granted, self._counter = False, None, None, 0, None
            self.clip_seq = 0
            return
        # The viewer replaces the file by rename: a new inode even within one mtime tick.
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key != self._key:
            self._key = key
            self._read()

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                state = json.load(f)
            if not isinstance(state, dict):
                raise ValueError("not a JSON object")
            paused = bool(state.get("pause", False))
            clip = state.get("clip")
            clip = None if clip is None else float(clip)
            counter = int(state.get("step", 0) or 0)
            clip_seq = int(state.get("clip_seq", 0) or 0)
        except (OSError, ValueError, TypeError) as e:
            if not self._warned:
                print(f"rnnscope: ignoring the control file {self.path}: {e}", file=sys.stderr)
                self._warned = True
            return
        # Each increase of the counter lets one iteration through while paused; a counter
        # that went down is a new viewer's, counted from there.
        if self._counter is not None and counter > self._counter and paused:
            self._granted += counter - self._counter
        self._counter = counter
        self.paused, self.clip, self.clip_seq = paused, clip, clip_seq
        if not paused:
            self._granted = 0

    def hold(self) -> bool:
        """Whether the loop must wait now; consumes one granted step when it need not."""
        if not self.paused:
            return False
        if self._granted > 0:
            self._granted -= 1
            return False
        return True
