"""Grad mode is per thread: a new thread starts in grad mode whatever its parent did.

Claims:
    no-grad.threads-do-not-inherit: A thread started inside `no_grad`, or after a plain
        `torch.set_grad_enabled(False)` call, runs in grad mode and records a graph, and a
        `no_grad` block entered in a worker thread does not affect the main thread; only
        entering `no_grad` in the thread's own code disables it there.
"""

# --8<-- [start:setup]
import threading

import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
inputs = torch.randn(3, 4)


def run_in_thread(target):
    result = {}
    thread = threading.Thread(target=lambda: result.update(target()))
    thread.start()
    thread.join()
    return result


def handle_request():  # e.g. a web server's request handler
    out = model(inputs)
    return {"grad_mode": torch.is_grad_enabled(), "grad_fn": out.grad_fn}


# --8<-- [end:setup]

# --8<-- [start:inherit]
with torch.no_grad():
    assert not torch.is_grad_enabled()  # the main thread: off
    seen = run_in_thread(handle_request)
assert seen["grad_mode"] is True  # the worker: on
assert seen["grad_fn"] is not None  # and it recorded a graph

torch.set_grad_enabled(False)  # a "global" switch at start-up...
seen = run_in_thread(handle_request)
torch.set_grad_enabled(True)
assert seen["grad_mode"] is True  # ...does not reach new threads either
# --8<-- [end:inherit]

# --8<-- [start:other-way]
entered, release = threading.Event(), threading.Event()


def worker():
    with torch.no_grad():
        entered.set()
        release.wait()


thread = threading.Thread(target=worker)
thread.start()
entered.wait()  # the worker is now inside its no_grad block
main_mode = torch.is_grad_enabled()
release.set()
thread.join()
assert main_mode is True  # the worker's no_grad did not switch the main thread
# --8<-- [end:other-way]


# --8<-- [start:fix]
@torch.no_grad()  # the handler disables grad in its own thread
def handle_request_no_grad():
    return handle_request()


with torch.no_grad():
    seen = run_in_thread(handle_request_no_grad)
assert seen["grad_mode"] is False
assert seen["grad_fn"] is None
# --8<-- [end:fix]
