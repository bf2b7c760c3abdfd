"""DistributedSampler pads the last round with duplicated samples, and that changes a metric.

Claims:
    distributed.sampler-pads-with-duplicates: With 11 samples on 2 gloo ranks,
        `DistributedSampler(dataset, shuffle=False)` gives each rank 6 indices: 12 in all, sample 0
        twice, so summed counts give 7 correct of 12 instead of the true 6 of 11.
    distributed.sampler-drop-last-drops-samples: With `drop_last=True` each rank gets 5 indices,
        10 distinct samples: no duplicate, but sample 10 is never evaluated, so summed counts give
        6 correct of 10, not 6 of 11.
    distributed.dedupe-by-index: Gathering each evaluated sample's index with its result
        (`all_gather_object`) and counting each index once gives 6 correct of 11, the accuracy of
        the whole dataset.

Counter-cases:
    distributed.sampler-pads-with-duplicates: `dataset = IndexedData(11)  # 11 samples` -> `dataset = IndexedData(12)`
    distributed.sampler-drop-last-drops-samples: `sampler = DistributedSampler(dataset, shuffle=False, drop_last=True)` -> `sampler = DistributedSampler(dataset, shuffle=False, drop_last=False)`
    distributed.dedupe-by-index: `seen = dict(pair for pairs in gathered for pair in pairs)  # one entry per index` -> `seen = dict(enumerate(c for pairs in gathered for _, c in pairs))`

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
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class IndexedData(Dataset):
    """Sample i has label 0; the "model" below is right on samples 0 to 5 only (6 of 11)."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return index, torch.tensor(0)


def predict(indices):
    return (indices > 5).long()  # right (0) for samples 0..5, wrong for the rest


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
    dataset = IndexedData(11)  # 11 samples
    report = {}

    # The default: every rank gets the same number of indices, padded with repeats.
    sampler = DistributedSampler(dataset, shuffle=False)
    pairs = []  # (index, correct) for every sample this rank evaluated
    for indices, labels in DataLoader(dataset, batch_size=4, sampler=sampler):
        pairs += zip(indices.tolist(), (predict(indices) == labels).tolist(), strict=True)
    counts = torch.tensor([sum(c for _, c in pairs), len(pairs)])
    dist.all_reduce(counts)
    report["padded"] = ([i for i, _ in pairs], counts.tolist())

    # The fix: gather (index, correct) from every rank and count each index once.
    gathered = [None] * world_size
    dist.all_gather_object(gathered, pairs)
    seen = dict(pair for pairs in gathered for pair in pairs)  # one entry per index
    report["deduplicated"] = [sum(seen.values()), len(seen)]

    # drop_last=True: no repeats, but the tail that does not divide evenly is dropped.
    sampler = DistributedSampler(dataset, shuffle=False, drop_last=True)
    pairs = []
    for indices, labels in DataLoader(dataset, batch_size=4, sampler=sampler):
        pairs += zip(indices.tolist(), (predict(indices) == labels).tolist(), strict=True)
    counts = torch.tensor([sum(c for _, c in pairs), len(pairs)])
    dist.all_reduce(counts)
    report["drop_last"] = ([i for i, _ in pairs], counts.tolist())

    queue.put((rank, report))
    dist.destroy_process_group()


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(evaluate, args=(2, free_port(), queue), nprocs=2, start_method="fork")
    reports = dict(queue.get() for _ in range(2))  # rank -> what it saw
    for rank in (0, 1):
        print(rank, reports[rank])
        #> 0 {'padded': ([0, 2, 4, 6, 8, 10], [7, 12]), 'deduplicated': [6, 11], 'drop_last': ([0, 2, 4, 6, 8], [6, 10])}
        #> 1 {'padded': ([1, 3, 5, 7, 9, 0], [7, 12]), 'deduplicated': [6, 11], 'drop_last': ([1, 3, 5, 7, 9], [6, 10])}

    # claim: distributed.sampler-pads-with-duplicates
    padded = reports[0]["padded"][0] + reports[1]["padded"][0]
    assert len(reports[0]["padded"][0]) == len(reports[1]["padded"][0]) == 6
    assert sorted(padded) == [0, *range(11)]  # sample 0 twice
    assert reports[0]["padded"][1] == reports[1]["padded"][1] == [7, 12]

    # claim: distributed.sampler-drop-last-drops-samples
    kept = reports[0]["drop_last"][0] + reports[1]["drop_last"][0]
    assert len(reports[0]["drop_last"][0]) == len(reports[1]["drop_last"][0]) == 5
    assert sorted(kept) == list(range(10))  # sample 10 never evaluated
    assert reports[0]["drop_last"][1] == reports[1]["drop_last"][1] == [6, 10]

    # claim: distributed.dedupe-by-index
    assert reports[0]["deduplicated"] == reports[1]["deduplicated"] == [6, 11]
# --8<-- [end:main]
