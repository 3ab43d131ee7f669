"""Scope: watches one nn.RNN / nn.LSTM / nn.GRU in the user's own loop and writes the stream."""
import atexit
import gc
import math
import numbers
import os
import sys
import time
import weakref
from typing import Iterable, Optional, Union

import torch
from torch import Tensor, nn

from . import distributed, record
from .capture import Capture, call_mismatch
from .control import Control
from .layout import base_class, describe, find_recurrent
from .spectral import spectrum
from .stream import END, StreamWriter, rank_path
from .unroll import gradient_norms, norm64, rerun_dtype


MAX_CALLS = 16


class Scope:
    """Records iteration 1 and every `every`-th after it (1, 1+every, …), and every
    iteration the viewer lets through while it holds the loop paused.

    Between recorded iterations nothing is hooked: the module runs as if unwatched.
    """

    def __init__(self, module: nn.Module, path: str, every: int = 25, *, control: bool = False,
                 rank: Union[int, str] = 0, title: Optional[str] = None, spectral: bool = True,
                 scaler=None):
        # A whole number: int() would take 2.5 as 2, and "10" or True as numbers.
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(f"every must be a whole number, 1 or more, got {every!r}")
        if title is not None and not isinstance(title, str):  # the viewer refuses a header whose title is not text
            raise TypeError(f"title must be a string, got {type(title).__name__}")
        self.module = find_recurrent(module)
        self.layout = describe(self.module)
        self._base = "nn." + base_class(self.module).__name__
        self.every = int(every)
        self.spectral = spectral
        self.scaler = scaler
        # The GradScalers already alive, as they are now: one a later run left behind is not this loop's.
        self._scalers_before = {} if scaler is not None else {id(s): _scale_state(s) for s in _grad_scalers()}
        self.iteration = 0  # iterations completed
        self.world_size, self.process_rank = distributed.world()
        self.rank, self.writes, controller = self._ranks(rank)
        if rank == "all":
            if path == "-" and self.world_size > 1:
                raise ValueError('rank="all" writes one file per rank: give a file path, not "-"')
            path = path if path == "-" else rank_path(path, self.process_rank)
        self.path = path
        self.title = title or record.default_title(self.module, self.world_size, self.rank)
        self._controlled = bool(control)
        self._controller_rank = controller
        self._control = None
        if control and self.process_rank == controller:
            self._control = Control(self._control_path(path))
        self._writer = StreamWriter(path) if self.writes else None
        self._hook = None
        self._recording = False
        self._captures = []
        self._snapshot = None
        self._clip = None
        self._clip_calls = 0
        self._graded_forwards = 0  # calls of the watched module with gradients in this iteration
        self._graded_calls = 0  # of those, the ones a backward reached (kept or not: see MAX_CALLS)
        self._calls_refused = 0  # of those, calls not shaped as the base class's forward (call_mismatch)
        self._clip_override: Optional[float] = None
        self._clip_seq = 0  # the control file's clip_seq that _clip_override is
        self._paused = False
        self._module_grad_norm = None
        self._header_written = False
        self._header_said_twice = False
        self._closed = False
        self._warned = set()
        self._set_recording(self._will_record(1))
        # A script that never closes its scope (no `with`, no close()) still ends its stream
        # when Python exits, normally, on an uncaught exception or on Ctrl-C; only a killed
        # process leaves a stream the viewer keeps following. Weak, so the scope can go (`__del__`
        # then ends it).
        self._at_exit = _closer(weakref.ref(self))
        atexit.register(self._at_exit)

    # -- setup ---------------------------------------------------------------------------

    def _ranks(self, rank):
        """(rank the stream is of, whether this process writes, rank that reads the control file)."""
        if rank == "all":
            return self.process_rank, True, 0
        if not isinstance(rank, int) or not 0 <= rank < self.world_size:
            raise ValueError(f"rank must be \"all\" or 0…{self.world_size - 1}, got {rank!r}")
        return rank, self.process_rank == rank, rank

    @staticmethod
    def _control_path(path: str) -> str:
        # The viewer derives <stream>.control from a file's path; reading standard input it
        # takes the header's, if that names a .control file.
        # Absolute either way: a viewer reading standard input runs in a directory of its own.
        if path == "-":
            return os.path.abspath(f"rnnscope-{os.getpid()}.control")
        return os.path.abspath(path) + ".control"

    @property
    def control_path(self) -> Optional[str]:
        return self._control.path if self._control is not None else None

    # -- the loop's calls ----------------------------------------------------------------

    def step(self, loss: Union[Tensor, float, None] = None):
        """Ends an iteration: writes its record if it is a recorded one, then obeys the
        control file (with control=True)."""
        self.iteration += 1
        if self.world_size == 1 and distributed.active():
            self._warn("late", "torch.distributed was initialised after rnnscope.watch(): call watch() after "
                       "init_process_group, or every rank writes as if alone")
        if self._recording:
            self._record(loss)
        for cap in self._captures:
            cap.stepped = True
        self._captures, self._snapshot, self._clip, self._module_grad_norm = [], None, None, None
        self._clip_calls = self._graded_forwards = self._graded_calls = self._calls_refused = 0
        if self._controlled:
            self._steer()
        self._set_recording(self._will_record(self.iteration + 1))

    def clip_grad_norm_(self, parameters: Union[Tensor, Iterable[Tensor]], max_norm: float,
                        norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach: Optional[bool] = None) -> Tensor:
        """torch.nn.utils.clip_grad_norm_, recorded; the control file's clip, when set,
        replaces max_norm (0: measure without clipping). Returns the total norm as torch does."""
        params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
        if self._clip_override is not None:
            max_norm = self._clip_override if self._clip_override > 0 else math.inf
        elif not float(max_norm) > 0:
            # torch would scale every gradient by 0, a negative factor (ascent) or NaN, and the
            # stream has no threshold for it: its 0 is "off", and the viewer skips the rest.
            raise ValueError(f"max_norm must be > 0 (math.inf measures without clipping), got {max_norm}")
        two_norm = None
        if self._recording and norm_type != 2:
            two_norm = total_norm(params)  # before clipping changes the gradients
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite, foreach)
        if self._recording:
            self._clip_calls += 1
            if self._clip_calls > 1:
                # One grad_norm and one threshold per record: the last call's (say, of a head
                # clipped apart from the recurrent part), which the loop should know.
                self._warn("clip-calls", f"scope.clip_grad_norm_ ran {self._clip_calls} times in iteration "
                           f"{self.iteration + 1}: its records' grad_norm and clipping are of the last call only")
            self._clip = (total, float(max_norm), total if two_norm is None else two_norm)
        return total

    def close(self):
        """Ends the stream: its end record (when it has a header), so that a viewer
        following the file shows it ended rather than waiting for more."""
        self._set_recording(False)
        atexit.unregister(self._at_exit)
        if self._writer is not None and not self._closed:
            self._closed = True
            try:
                # A stream with no header is left empty: an end alone would be no stream.
                if self._header_written:
                    self._writer.write(END)
            finally:
                self._writer.close()

    def __del__(self):
        # A scope dropped unclosed (the function running the loop returned, and the exit list
        # holds it only weakly) ends its stream when it goes, as it would when Python exits.
        if "_at_exit" in self.__dict__:
            try:
                self.close()
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- hooks -----------------------------------------------------------------------------

    def _will_record(self, iteration: int) -> bool:
        return self.writes and ((iteration - 1) % self.every == 0 or self._paused)

    def _set_recording(self, on: bool):
        self._recording = on
        if on and not self._hooked():
            self._hook = self.module.register_forward_hook(_ForwardHook(self), with_kwargs=True)
        elif not on and self._hook is not None:
            self._hook.remove()
            self._hook = None

    def _hooked(self) -> bool:
        """The scope's forward hook is on the module: the loop may have cleared its hooks
        (`module._forward_hooks.clear()`), which no handle is told of."""
        return self._hook is not None and self._hook.id in self.module._forward_hooks

    def _on_forward(self, module, args, kwargs, output):
        if module is not self.module:
            return  # a shallow copy of the module (copy.copy) shares its hooks: it is not the watched one
        if not torch.is_grad_enabled():
            return  # evaluation: no backward will come
        self._graded_forwards += 1
        mismatch = call_mismatch(self.layout, args, kwargs, output)
        if mismatch is not None:
            self._calls_refused += 1
            self._warn("call", f"the watched {type(module).__name__} was called otherwise than {self._base}'s own "
                       f"forward ({mismatch}): its iterations are not recorded")
            return
        cap = Capture(self.layout, args, kwargs, output, self._weights(), on_backward=self._measure_module_grads,
                      loss_scale=self._loss_scale, on_graded=self._count_graded)
        # Its mode now, not at step(): a loop may switch to eval() for validation in between.
        cap.training = module.training
        if cap.hooked:
            self._captures.append(cap)
        if len(self._captures) > MAX_CALLS:  # e.g. a loop of forward calls with no step(): keep the last ones
            self._warn("many", f"the watched module ran more than {MAX_CALLS} times in one iteration; "
                       "only its last calls are kept")
            del self._captures[0]

    def _weights(self):
        """The weights as this forward used them (the optimiser changes them before step()),
        copied once per iteration unless they changed in between."""
        names = self.module._flat_weights_names
        current = [getattr(self.module, n) for n in names]
        versions = [(id(w), w._version) for w in current]
        if self._snapshot is None or self._snapshot[0] != versions:
            self._snapshot = (versions, {n: w.detach().clone() for n, w in zip(names, current)})
        return self._snapshot[1]

    def _loss_scale(self) -> float:
        """The factor the backward's loss was multiplied by: the scaler's scale as the
        backward runs (its update() comes after)."""
        return self.scaler.get_scale() if self.scaler is not None else 1.0

    def _count_graded(self, cap: Capture):
        if not cap.stepped:
            self._graded_calls += 1

    def _measure_module_grads(self, cap: Capture):
        if cap.stepped:
            # The backward of an iteration scope.step() has already ended: it had no record.
            self._warn("backward-after-step", "a backward reached the watched module's outputs after scope.step() "
                       f"ended its iteration ({self.iteration}): call scope.step() after loss.backward(), or no "
                       "iteration is recorded")
            return
        grads = [p.grad for p in self.module.parameters() if p.grad is not None]
        self._module_grad_norm = total_norm_of(grads) / self._loss_scale() if grads else None

    # -- recording ---------------------------------------------------------------------------

    def _warn(self, key: str, message: str):
        if key not in self._warned:
            self._warned.add(key)
            print(f"rnnscope: {message}", file=sys.stderr)

    def _chosen_capture(self) -> Optional[Capture]:
        graded = [c for c in self._captures if c.backward_seen]
        if self._graded_calls > 1:
            self._warn("calls", f"the watched module ran {self._graded_calls} times with gradients in iteration "
                       f"{self.iteration}; its records show the last of them (and say so: \"calls\")")
        if not graded:
            # Three causes, told apart: the hook that sees the forward calls was taken off, the
            # module did not run with gradients, or it did and no backward reached its outputs.
            if not self._hooked():
                self._warn("unhooked", f"the scope's forward hook on the watched module was removed (its "
                           f"_forward_hooks cleared?) before iteration {self.iteration} ran it: no record; "
                           "it is put back for the next recorded iteration")
            elif self._calls_refused == self._graded_forwards > 0:
                pass  # said at the call
            elif not self._graded_forwards:
                self._warn("no-forward", f"the watched module did not run with gradients in iteration "
                           f"{self.iteration}: no record (a record is written only for iterations where it did)")
            else:
                self._warn("none", f"no backward reached the watched module's outputs in iteration {self.iteration}: "
                           "no record (a record is written only for iterations where one did)")
            return None
        if graded[-1].modified:
            self._warn("modified", f"the watched module's input sequence was changed in place before scope.step() in "
                       f"iteration {self.iteration}: no record (refill it after scope.step())")
            return None
        return graded[-1]

    def _refuse_unknown_scaler(self):
        """A GradScaler's backward runs from scale·L: without it every norm would be scale
        times too large (65536 at its start), so a loop whose scaler scaled or updated since
        watch() must name it."""
        if self.scaler is None and any(s.is_enabled() and _scale_state(s) not in (None, self._scalers_before.get(id(s)))
                                       for s in _grad_scalers()):
            raise ValueError("a torch.amp.GradScaler scales this loop's loss, which would multiply every norm by its "
                             "scale: pass it as rnnscope.watch(..., scaler=scaler)")

    def _record(self, loss):
        if not self._header_written:
            self._refuse_unknown_scaler()
        cap = self._chosen_capture()
        if cap is None:
            return
        weight_dtype = next(iter(cap.weights.values())).dtype
        norms = gradient_norms(self.layout, cap.inputs(), rerun_dtype(weight_dtype))
        if not self._header_written:
            self._write_header(cap, weight_dtype)
        elif cap.differentiated_twice and not self._header_said_twice:  # written before it could say so
            self._warn("twice", f"iteration {self.iteration}: " + record.DIFFERENTIATED_TWICE.format(
                name=type(self.module).__name__) + " The stream's header, written before, does not say so.")
        grad_norm = None if self._module_grad_norm is None else float(self._module_grad_norm)
        loss_value = None if loss is None else float(loss.detach() if isinstance(loss, Tensor) else loss)
        figures = spectrum(self.layout, cap.weights) if self.spectral else None
        # The clipping of this iteration followed the control file read at the previous step().
        clip_seq = self._clip_seq if self._controlled else None
        self._writer.write(record.record(self.iteration, loss_value, grad_norm, self._clip, self.layout, norms, figures,
                                         calls=self._graded_calls, clip_seq=clip_seq))

    def _write_header(self, cap: Capture, weight_dtype):
        inexact = record.inexact_sentences(self.module, self.layout, weight_dtype, cap.ran_dtype, cap.training,
                                           cap.differentiated_twice)
        steps = None if cap.packed else len(cap.inputs().batch_sizes)
        device = next(iter(cap.weights.values())).device
        self._writer.write(record.header(
            self.module, self.layout, title=self.title, steps=steps, device=device, weight_dtype=weight_dtype,
            ran_dtype=cap.ran_dtype, world_size=self.world_size, rank=self.rank, every=self.every,
            control=self.control_path, inexact=inexact))
        self._header_written = True
        self._header_said_twice = cap.differentiated_twice

    # -- control -------------------------------------------------------------------------------

    def _steer(self):
        """Reads the control file (the controlling rank) and shares it with every rank;
        waits while the viewer holds the loop."""
        while True:
            hold, paused, clip, seq = False, False, None, 0
            if self._control is not None:
                self._control.refresh()
                c = self._control
                hold, paused, clip, seq = c.hold(), c.paused, c.clip, c.clip_seq
            if self.world_size > 1:
                hold, paused, clip, seq = distributed.share(hold, paused, clip, seq, self._controller_rank)
            self._clip_override, self._clip_seq, self._paused = clip, seq, paused
            if not hold:
                return
            time.sleep(0.05)


class _ForwardHook:
    """The scope's forward hook on the watched module. A copy of the model
    (copy.deepcopy for an EMA or a best-so-far snapshot, torch.save of the whole model)
    gets a hook that does nothing instead of a copy of the scope, its open stream and
    its control file: a copy is not the watched module."""

    def __init__(self, scope: Scope):
        self.scope = scope

    def __call__(self, module, args, kwargs, output):
        self.scope._on_forward(module, args, kwargs, output)

    def __deepcopy__(self, memo):
        return _inert_hook

    def __reduce__(self):
        return (_inert, ())


def _inert_hook(module, args, kwargs, output):
    return None


def _inert():
    return _inert_hook


def _closer(ref):
    def close():
        scope = ref()
        if scope is not None:
            scope.close()
    return close


def _grad_scalers():
    """The GradScalers alive in this process (looked for at watch() and before the first record)."""
    kinds = tuple(k for k in (getattr(torch.amp, "GradScaler", None), getattr(torch.cuda.amp, "GradScaler", None)) if k)
    # type(), not isinstance: some lazy objects answer __class__ with an import (and a warning).
    return [o for o in gc.get_objects() if issubclass(type(o), kinds)]


def _scale_state(scaler):
    """None before the scaler's first scale(); then its scale tensor and that tensor's version,
    which each update() moves, and the stage of each optimizer it steps, which its unscale_()
    or step() moves until update() clears them (a scaler of an earlier run, stepped in the
    first iteration before scope.step(), updated after it). scale() itself leaves no trace."""
    scale = getattr(scaler, "_scale", None)  # a disabled scaler has none
    if scale is None:
        return None
    stages = getattr(scaler, "_per_optimizer_states", {})
    return (id(scale), scale._version,
            tuple(sorted((k, str(v.get("stage"))) for k, v in stages.items() if isinstance(v, dict))))


def total_norm_of(grads) -> Tensor:
    return norm64(torch.stack([norm64(g) for g in grads]))


def total_norm(params) -> Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    return total_norm_of(grads) if grads else torch.zeros(())


def watch(module: nn.Module, path: str, every: int = 25, **options) -> Scope:
    """Watch `module` (an nn.RNN, nn.LSTM or nn.GRU, or a model holding exactly one)
    and write its run stream to `path` ("-": standard output). Options: control=False,
    rank=0 (or "all"), title=None, spectral=True, scaler=None (the torch.amp.GradScaler
    whose scaled loss the backward runs from: a loop with one must pass it)."""
    return Scope(module, path, every, **options)
