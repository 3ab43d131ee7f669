"""DistributedDataParallel over two gloo processes: rank 0 writes the norms of its own
shard, equal to a single-process run on that shard; the control file's clip reaches
every rank."""
import contextlib
import json
import os
import sys
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

import rnnscope
from helpers import Net, batches, strict_lines

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch.distributed is not available")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shard(rank):
    x, y = batches(1, B=4)[0]
    return x[:, 2 * rank:2 * rank + 2], y[:, 2 * rank:2 * rank + 2]


def leave():
    """A worker that finished without error exits at once: in the interpreter's own
    teardown gloo's threads still aborted a rank now and then ('terminate called
    without an active exception', about 1 run in 10)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@contextlib.contextmanager
def joined(rank, port):
    """This process in the two-rank gloo group, with the same Net on every rank and its
    DistributedDataParallel wrapper. Both ranks reach the end before the group is torn
    down: a rank leaving first made gloo abort the other now and then (SIGABRT)."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=2)
    try:
        torch.manual_seed(0)
        model = Net()
        yield model, DistributedDataParallel(model)
    finally:
        dist.barrier()
        dist.destroy_process_group()


def worker(rank, port, folder):
    with joined(rank, port) as (model, ddp):
        scope = rnnscope.watch(model.rnn, os.path.join(folder, "run.jsonl"), every=1, control=True)
        x, y = shard(rank)
        seen = {}
        for i in range(2):
            loss = torch.nn.functional.mse_loss(ddp(x), y)
            loss.backward()
            rnn_grads = [p.grad for p in model.rnn.parameters()]
            seen[f"averaged_rnn_grad_norm_{i}"] = torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(g) for g in rnn_grads])).item()
            if i == 1:  # iteration 1 unclipped: grad_norm is then the module's
                seen[f"clipped_{i}"] = scope.clip_grad_norm_(model.parameters(), 100.0).item()
            seen[f"after_clip_{i}"] = torch.linalg.vector_norm(
                torch.stack([torch.linalg.vector_norm(p.grad) for p in model.parameters()])).item()
            model.zero_grad()
            scope.step(loss)
        scope.close()
        with open(os.path.join(folder, f"seen{rank}.json"), "w") as f:
            json.dump(seen, f)
    leave()


def test_rank_zero_writes_its_own_shard(tmp_path):
    with open(tmp_path / "run.jsonl.control", "w") as f:
        json.dump({"pause": False, "step": 0, "clip": 0.01}, f)
    mp.spawn(worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True)
    header, first, second = strict_lines(tmp_path / "run.jsonl")
    assert (header["world_size"], header["rank"]) == (2, 0) and "batch_note" in header
    assert header["control"] == str(tmp_path / "run.jsonl.control")
    assert not (tmp_path / "run.rank1.jsonl").exists()
    seen = [json.load(open(tmp_path / f"seen{r}.json")) for r in (0, 1)]

    # The single-process run on rank 0's shard, same initial weights.
    torch.manual_seed(0)
    model = Net()
    with rnnscope.watch(model.rnn, str(tmp_path / "single.jsonl"), every=1) as scope:
        x, y = shard(0)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        scope.step(loss)
    single = strict_lines(tmp_path / "single.jsonl")[1]
    assert first["loss"] == pytest.approx(single["loss"], rel=1e-6)
    for a, b in zip(first["hidden_grad_norms"] + first["cell_grad_norms"],
                    single["hidden_grad_norms"] + single["cell_grad_norms"]):
        assert a == pytest.approx(b, rel=1e-5)

    # grad_norm is of the gradient DDP averaged (measured after its averaging), not rank 0's own.
    assert seen[0]["averaged_rnn_grad_norm_0"] == pytest.approx(seen[1]["averaged_rnn_grad_norm_0"], rel=1e-6)
    assert first["grad_norm"] == pytest.approx(seen[0]["averaged_rnn_grad_norm_0"], rel=1e-6)
    assert abs(first["grad_norm"] - single["grad_norm"]) > 1e-3 * single["grad_norm"]
    # The control file's clip, read by rank 0, held on both ranks.
    assert first["clip_max_norm"] == 0 and second["clip_max_norm"] == 0.01
    assert second["grad_norm"] == pytest.approx(seen[0]["clipped_1"], rel=1e-6)
    for s in seen:
        assert s["after_clip_1"] == pytest.approx(0.01, rel=1e-4)


def steered_ranks_worker(rank, port, folder):
    with joined(rank, port) as (model, ddp):
        scope = rnnscope.watch(model.rnn, os.path.join(folder, "each.jsonl"), every=1, rank="all", control=True)
        x, y = shard(rank)
        for _ in range(2):
            loss = torch.nn.functional.mse_loss(ddp(x), y)
            loss.backward()
            scope.clip_grad_norm_(model.parameters(), 100.0)
            model.zero_grad()
            scope.step(loss)
        scope.close()
    leave()


def test_rank_zeros_control_file_and_its_clip_seq_reach_every_rank(tmp_path):
    """rank="all": rank 0 reads its control file and every rank clips by it and echoes its clip_seq."""
    with open(tmp_path / "each.rank0.jsonl.control", "w") as f:
        json.dump({"pause": False, "step": 0, "clip": 0.01, "clip_seq": 1765100000004}, f)
    mp.spawn(steered_ranks_worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True)
    for rank in (0, 1):
        first, second = strict_lines(tmp_path / f"each.rank{rank}.jsonl")[1:]
        assert (first["clip_max_norm"], first["clip_seq"]) == (100, 0)
        assert (second["clip_max_norm"], second["clip_seq"]) == (0.01, 1765100000004)


def other_ranks_worker(rank, port, folder):
    with joined(rank, port) as (model, ddp):
        one = rnnscope.watch(model.rnn, os.path.join(folder, "one.jsonl"), every=1, rank=1)
        each = rnnscope.watch(model.rnn, os.path.join(folder, "each.jsonl"), every=1, rank="all")
        x, y = shard(rank)
        loss = torch.nn.functional.mse_loss(ddp(x), y)
        loss.backward()
        for scope in (one, each):
            scope.step(loss)
            scope.close()
    leave()


def test_rank_one_and_every_rank_write_their_own_shards(tmp_path):
    """rank=1 writes rank 1's norms (rank 0 writes nothing); rank="all" one file per rank."""
    mp.spawn(other_ranks_worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["each.rank0.jsonl", "each.rank1.jsonl", "one.jsonl"]
    for name, rank in (("one.jsonl", 1), ("each.rank0.jsonl", 0), ("each.rank1.jsonl", 1)):
        header, rec = strict_lines(tmp_path / name)
        assert (header["world_size"], header["rank"]) == (2, rank) and f"rank {rank}" in header["batch_note"]
        torch.manual_seed(0)
        model = Net()
        with rnnscope.watch(model.rnn, str(tmp_path / f"single{rank}.jsonl"), every=1) as scope:
            x, y = shard(rank)
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            scope.step(loss)
        single = strict_lines(tmp_path / f"single{rank}.jsonl")[1]
        assert rec["loss"] == pytest.approx(single["loss"], rel=1e-6)
        for a, b in zip(rec["hidden_grad_norms"] + rec["cell_grad_norms"], single["hidden_grad_norms"] + single["cell_grad_norms"]):
            assert a == pytest.approx(b, rel=1e-5)
