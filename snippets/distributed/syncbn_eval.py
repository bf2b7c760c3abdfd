"""SyncBatchNorm in eval mode: each rank's own running statistics, no waiting, CPU allowed.

Claims:
    distributed.syncbn-eval-is-local: In eval mode (with the default `track_running_stats=True`),
        inside a two-rank gloo process group, a model converted with
        `SyncBatchNorm.convert_sync_batchnorm` normalises CPU tensors with the running statistics
        of its own rank: the two ranks, whose `running_mean` differ, give different outputs for the
        same input, each equal to that of the unconverted model holding that rank's statistics. The
        forward does not wait on the other rank: rank 0 runs it three times, rank 1 once, and both
        finish.
    distributed.syncbn-train-needs-gpu: In training mode, inside an initialised process group (one
        rank is enough), the same module raises `ValueError` on a CPU tensor: it checks the device
        before it looks at the world size.

Counter-cases:
    distributed.syncbn-eval-is-local: `    model[1].running_mean.fill_(float(rank))  # this rank's statistics` -> `    model[1].running_mean.fill_(0.0)`

Network: loopback (the ranks talk over 127.0.0.1)
Timeout: 90
"""

# --8<-- [start:main]
# Network: loopback (two local processes talk over 127.0.0.1)
import copy
import datetime
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn


def free_port():
    with socket.socket() as probe:  # ask the OS for a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def join(rank, world_size, port):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=10),
    )


torch.manual_seed(0)
plain = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
x = torch.randn(5, 4)


def evaluate(rank, world_size, port, queue):
    join(rank, world_size, port)
    model = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(plain)).eval()
    model[1].running_mean.fill_(float(rank))  # this rank's statistics
    with torch.no_grad():  # equivalent: grad mode changes no value here
        for _ in range(3 if rank == 0 else 1):  # a collective here would leave rank 0 waiting
            out = model(x)
    queue.put((rank, out.tolist()))  # plain lists: no tensor sharing between processes
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(evaluate, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    outputs = {rank: torch.tensor(out) for rank, out in (queue.get() for _ in range(2))}

    # claim: distributed.syncbn-eval-is-local
    assert type(nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(plain))[1]) is nn.SyncBatchNorm
    assert not torch.allclose(outputs[0], outputs[1])
    for rank in (0, 1):
        reference = copy.deepcopy(plain).eval()
        reference[1].running_mean.fill_(float(rank))
        with torch.no_grad():  # equivalent: grad mode changes no value here
            assert torch.allclose(outputs[rank], reference(x))

    # claim: distributed.syncbn-train-needs-gpu
    join(0, 1, free_port())
    model = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(plain)).train()
    try:
        model(x)
    except ValueError as error:
        print(error)
        #> SyncBatchNorm expected input tensor to be on GPU or XPU or privateuseone
        assert "expected input tensor to be on GPU" in str(error)
    else:
        raise AssertionError("training mode accepted a CPU tensor")
    dist.destroy_process_group()
# --8<-- [end:main]
