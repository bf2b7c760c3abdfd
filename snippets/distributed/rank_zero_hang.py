"""Evaluating on rank 0 only while the other rank waits in a collective: a hang, and the fix.

Claims:
    distributed.rank-zero-collective-hangs: When rank 0 calls `all_reduce` inside its evaluation and
        rank 1 skips the evaluation and calls `barrier()`, no rank gets past its collective: with the
        process group's `timeout` at 3 s on rank 0 (30 s on rank 1), rank 0 fails inside its
        collective with gloo's "Timed out waiting 3000ms" error (or "Connection closed by peer" when
        rank 1 failed first), which `torch.multiprocessing.start_processes` raises in the parent as
        `ProcessRaisedException`.

Counter-cases:
    distributed.rank-zero-collective-hangs: `if rank == 0:  # only rank 0 evaluates` -> `if True:`

Network: loopback (the two ranks talk over 127.0.0.1)
Timeout: 90
"""

# --8<-- [start:hang]
# Network: loopback (two local processes talk over 127.0.0.1)
import datetime
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port():
    with socket.socket() as probe:  # ask the OS for a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def evaluate(rank):
    counts = torch.tensor([3.0, 5.0]) if rank == 0 else torch.tensor([4.0, 5.0])  # [correct, total]
    dist.all_reduce(counts)  # a metric's sync across ranks: a collective
    return counts


def run(rank, world_size, port, queue):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        # How long a collective may wait: rank 0 gives up first, so its error is the one reported.
        timeout=datetime.timedelta(seconds=3 if rank == 0 else 30),
    )
    if rank == 0:  # only rank 0 evaluates
        evaluate(rank)
    dist.barrier()  # the other rank goes straight on: a different collective
    queue.put(rank)  # never reached: each rank waits in its collective until the timeout
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    try:
        mp.start_processes(run, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    except mp.ProcessRaisedException as error:
        last_line = str(error).strip().splitlines()[-1]
        # gloo's error on rank 0: its own timeout, or the connection rank 1 closed when it failed first
        timed_out = "Timed out waiting 3000ms" in last_line
        assert timed_out or "Connection closed by peer" in last_line
        print(type(error).__name__, "in a collective; ranks past their collective:", 0 if queue.empty() else "some")
        #> ProcessRaisedException in a collective; ranks past their collective: 0
        assert queue.empty()  # no rank got past its collective
# --8<-- [end:hang]
