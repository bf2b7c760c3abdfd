"""DDP's buffer broadcast in evaluation: the first no_grad forward after training still syncs.

Claims:
    distributed.ddp-first-no-grad-forward-syncs-buffers: With `DistributedDataParallel`'s default
        buffer sync (`forward_sync_buffers` left unset, which means on), after a training step the
        first forward of the wrapped model in eval mode under `torch.no_grad()` copies rank 0's
        BatchNorm `running_mean` over rank 1's (a broadcast both ranks take part in).
    distributed.ddp-later-no-grad-forwards-do-not-sync: The second forward under `torch.no_grad()`
        broadcasts nothing: rank 1 keeps the `running_mean` it set.

Counter-cases:
    distributed.ddp-first-no-grad-forward-syncs-buffers: `ddp = DistributedDataParallel(model)  # buffers synced before forwards by default` -> `ddp = DistributedDataParallel(model, forward_sync_buffers=False)`

Network: loopback (the two ranks talk over 127.0.0.1)
Timeout: 90
"""

# --8<-- [start:main]
# Network: loopback (two local processes talk over 127.0.0.1)
import datetime
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel


def free_port():
    with socket.socket() as probe:  # ask the OS for a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(rank, world_size, port, queue):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=30),
    )
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4))
    ddp = DistributedDataParallel(model)  # buffers synced before forwards by default
    x = torch.randn(8, 4)
    ddp(x).sum().backward()  # a training step (the optimizer step left out)

    ddp.eval()
    seen = []
    with torch.no_grad():
        for _ in range(2):
            model[1].running_mean.fill_(float(rank))  # each rank sets its own statistics
            ddp(x)
            seen.append(model[1].running_mean[0].item())  # what the forward left
    queue.put((rank, seen))
    ddp = None  # free DDP before the process group: freed after it, DDP can deadlock (see the page)
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(run, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    seen = dict(queue.get() for _ in range(2))  # rank -> running_mean[0] after each forward
    print(seen[0], seen[1])
    #> [0.0, 0.0] [0.0, 1.0]

    # claim: distributed.ddp-first-no-grad-forward-syncs-buffers
    assert seen[1][0] == 0.0  # rank 0's value

    # claim: distributed.ddp-later-no-grad-forwards-do-not-sync
    assert seen[1][1] == 1.0  # rank 1's own value
    assert seen[0] == [0.0, 0.0]
# --8<-- [end:main]
