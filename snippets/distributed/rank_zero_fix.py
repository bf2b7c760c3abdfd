"""The fix for the rank-0-only hang: every rank enters the same collectives.

Claims:
    distributed.every-rank-enters-the-collective: When both ranks run the evaluation, so both call
        the same `all_reduce`, and then `barrier()`, both finish, each holding the summed counts.

Counter-cases:
    distributed.every-rank-enters-the-collective: `dist.all_reduce(counts)  # every rank sums its counts` -> `counts = counts.clone()`

Network: loopback (the two ranks talk over 127.0.0.1)
Timeout: 90
"""

# --8<-- [start:fix]
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


def evaluate_every_rank(rank):
    counts = torch.tensor([3.0, 5.0]) if rank == 0 else torch.tensor([4.0, 5.0])  # [correct, total]
    dist.all_reduce(counts)  # every rank sums its counts
    return counts


def run(rank, world_size, port, queue):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=3),
    )
    counts = evaluate_every_rank(rank)
    dist.barrier()
    queue.put((rank, counts.tolist()))
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(run, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    outcomes = dict(queue.get() for _ in range(2))  # rank -> summed counts
    print(outcomes[0], outcomes[1])
    #> [7.0, 10.0] [7.0, 10.0]

    assert outcomes[0] == outcomes[1] == [7.0, 10.0]
# --8<-- [end:fix]
