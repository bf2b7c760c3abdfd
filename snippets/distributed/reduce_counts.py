"""Reducing an accuracy across ranks: sum the counts, not the per-rank accuracies.

Claims:
    distributed.all-reduce-counts: With two gloo ranks holding 2 and 8 evaluation samples, an
        `all_reduce` (sum) of each rank's `[correct, total]` counts gives every rank the accuracy of
        all 10 samples (6 of 10 correct).
    distributed.mean-of-accuracies-is-wrong: With the same unequal shards, the mean of the two
        per-rank accuracies (an `all_reduce` sum divided by the world size) is 0.75 on every rank,
        not the 0.6 of all 10 samples.

Counter-cases:
    distributed.all-reduce-counts: `dist.all_reduce(counts)  # sum over ranks` -> `counts = counts.clone()`
    distributed.mean-of-accuracies-is-wrong: `SIZES = [2, 8]  # samples per rank` -> `SIZES = [5, 5]`

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

SIZES = [2, 8]  # samples per rank
CORRECT = [2, 4]  # correct predictions per rank: 6 of 10 in all


def free_port():
    with socket.socket() as probe:  # ask the OS for a free port on 127.0.0.1
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def evaluate(rank, world_size, port, queue):
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=datetime.timedelta(seconds=30),
    )
    # This rank's shard: labels all 0, predictions right for the first CORRECT[rank] samples.
    labels = torch.zeros(SIZES[rank], dtype=torch.long)
    predictions = torch.ones(SIZES[rank], dtype=torch.long)
    predictions[: CORRECT[rank]] = 0
    correct = (predictions == labels).sum()

    counts = torch.stack([correct, torch.tensor(SIZES[rank])]).double()
    dist.all_reduce(counts)  # sum over ranks
    global_accuracy = (counts[0] / counts[1]).item()

    accuracy = (correct / SIZES[rank]).double().reshape(1)
    dist.all_reduce(accuracy)  # sum of the per-rank accuracies
    mean_of_accuracies = (accuracy / world_size).item()

    queue.put((rank, counts.tolist(), global_accuracy, mean_of_accuracies))
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(evaluate, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    results = sorted(queue.get() for _ in range(2))  # one tuple per rank
    for rank, counts, global_accuracy, mean_of_accuracies in results:
        print(f"rank {rank}: counts {counts}, accuracy {global_accuracy}, mean of accuracies {mean_of_accuracies}")
        #> rank 0: counts [6.0, 10.0], accuracy 0.6, mean of accuracies 0.75
        #> rank 1: counts [6.0, 10.0], accuracy 0.6, mean of accuracies 0.75

    # claim: distributed.all-reduce-counts
    for _, counts, global_accuracy, _ in results:
        assert counts == [6.0, 10.0]
        assert global_accuracy == 0.6

    # claim: distributed.mean-of-accuracies-is-wrong
    for _, _, global_accuracy, mean_of_accuracies in results:
        assert mean_of_accuracies == 0.75
        assert mean_of_accuracies != global_accuracy
# --8<-- [end:main]
