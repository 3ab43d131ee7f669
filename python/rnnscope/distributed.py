"""torch.distributed, when it is running: who writes, and the one small collective
that keeps every rank's control state (clip, pause) the same."""
from typing import Optional, Tuple

import torch


def active() -> bool:
    return torch.distributed.is_available() and torch.distributed.is_initialized()


def world() -> Tuple[int, int]:
    """(world size, this process's rank); (1, 0) without torch.distributed."""
    if not active():
        return 1, 0
    return torch.distributed.get_world_size(), torch.distributed.get_rank()


def _device() -> torch.device:
    # NCCL moves only CUDA tensors.
    if "nccl" in str(torch.distributed.get_backend()).lower():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def share(hold: bool, paused: bool, clip: Optional[float], clip_seq: int,
          src: int) -> Tuple[bool, bool, Optional[float], int]:
    """The controlling rank's (hold, paused, clip, clip_seq), on every rank."""
    # clip_seq (milliseconds since 1970 and a count) is well under 2**53: exact in float64.
    t = torch.tensor([float(hold), float(paused), float("nan") if clip is None else clip, float(clip_seq)],
                     dtype=torch.float64, device=_device())
    torch.distributed.broadcast(t, src)
    hold_value, paused_value, clip_value, seq_value = t.tolist()
    return hold_value != 0, paused_value != 0, (None if clip_value != clip_value else clip_value), int(seq_value)
