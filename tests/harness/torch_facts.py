"""What torch says about this machine (its version, CUDA, the GPU), asked once per run.

The question goes to a child of the snippet forkserver (harness.sandbox), which has torch imported
already: the pytest process itself does not import torch for it (about 1 s quiet, several seconds
on a busy machine), and CUDA is never initialised in the process that forks the snippets.
"""

from __future__ import annotations

ANSWER_TIMEOUT = 600.0  # seconds; the forkserver's start-up (torch's import) is included, under any load
_FACTS: dict | None = None


def facts() -> dict:
    """{"torch": version, "cuda": available, "cuda_version": str | None, "gpu": {...} | None}, cached."""
    global _FACTS
    if _FACTS is None:
        _FACTS = _ask()
    return _FACTS


def _ask() -> dict:
    from harness import sandbox

    ctx = sandbox.context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send,))
    child.start()
    send.close()
    try:
        if not receive.poll(ANSWER_TIMEOUT):
            raise RuntimeError(f"torch did not answer within {ANSWER_TIMEOUT:g} s (is the machine stuck?)")
        answer = receive.recv()
    except EOFError:
        raise RuntimeError(f"the process asking torch about CUDA died (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.join(5.0)
        if child.is_alive():
            child.kill()
        child.join()
    return answer


def _child(send) -> None:
    """In a forked child: CUDA may be initialised here, never in the forkserver."""
    from harness.machine import ask_torch

    send.send(ask_torch())
    send.close()
