"""Grad mode is per thread: a new thread starts in grad mode whatever its parent did.

Claims:
    no-grad.threads-do-not-inherit: A thread started inside `no_grad`, or after a plain
        `torch.set_grad_enabled(False)` call, runs in grad mode and records a graph, and a
        `no_grad` block entered in a worker thread does not affect the main thread; only
        entering `no_grad` in the thread's own code disables it there.

Counter-cases:
    no-grad.threads-do-not-inherit: `thread = threading.Thread(target=handle_request)  # a thread started inside no_grad` -> `thread = threading.Thread(target=torch.no_grad()(handle_request))  # a thread started inside no_grad`
    no-grad.threads-do-not-inherit: `@torch.no_grad()  # the handler disables grad in its own thread` -> `@torch.enable_grad()  # the handler disables grad in its own thread`
"""

# --8<-- [start:inherit]
import threading

import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
inputs = torch.randn(3, 4)
seen = {}


def handle_request():  # e.g. a web server's request handler
    out = model(inputs)
    seen.update(grad_mode=torch.is_grad_enabled(), grad_fn=type(out.grad_fn).__name__)


with torch.no_grad():
    assert not torch.is_grad_enabled()  # the main thread: off
    thread = threading.Thread(target=handle_request)  # a thread started inside no_grad
    thread.start()
    thread.join()
print(seen)
#> {'grad_mode': True, 'grad_fn': 'AddmmBackward0'}
assert seen["grad_mode"] is True  # the worker: on
assert seen["grad_fn"] == "AddmmBackward0"  # and it recorded a graph

seen.clear()
torch.set_grad_enabled(False)  # a "global" switch at start-up...
assert not torch.is_grad_enabled()  # off in the main thread
thread = threading.Thread(target=handle_request)
thread.start()
thread.join()
torch.set_grad_enabled(True)
assert seen["grad_mode"] is True  # ...does not reach new threads either
# --8<-- [end:inherit]

# --8<-- [start:other-way]
from threading import Event, Thread

import torch

entered, release = Event(), Event()
worker_mode = []


def worker():
    with torch.no_grad():
        worker_mode.append(torch.is_grad_enabled())
        entered.set()
        release.wait()


thread = Thread(target=worker)
thread.start()
entered.wait()  # the worker is now inside its no_grad block
main_mode = torch.is_grad_enabled()
release.set()
thread.join()
print(main_mode)
#> True
assert worker_mode == [False]  # the worker was in no_grad...
assert main_mode is True  # ...and that did not switch the main thread
# --8<-- [end:other-way]

# --8<-- [start:fix]
import threading

import torch

torch.manual_seed(0)
model = torch.nn.Linear(4, 2)
inputs = torch.randn(3, 4)
seen = {}


@torch.no_grad()  # the handler disables grad in its own thread
def handle_request():
    out = model(inputs)
    seen.update(grad_mode=torch.is_grad_enabled(), grad_fn=type(out.grad_fn).__name__)


thread = threading.Thread(target=handle_request)
thread.start()
thread.join()
print(seen)
#> {'grad_mode': False, 'grad_fn': 'NoneType'}
assert seen["grad_mode"] is False
assert seen["grad_fn"] == "NoneType"  # nothing recorded
# --8<-- [end:fix]
