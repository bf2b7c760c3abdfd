"""`Network: loopback`: a snippet that declares it may open sockets to loopback addresses only.

In-process and small: each case is a tiny script run by the sandbox itself, as the suite, the
mutants and the copy-and-run check run snippets. Nothing here reaches a real network: a refused
address is refused before any packet leaves (the guard raises before connecting).
"""

from __future__ import annotations

import pytest

from harness import copyable, sandbox
from harness.snippet import SnippetError, parse

LISTEN = """import socket

with socket.socket() as server:
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        peer, _ = server.accept()
        with peer:
            client.sendall(b"ping")
            assert peer.recv(4) == b"ping"
"""

ELSEWHERE = """import socket

with socket.socket() as client:
    client.settimeout(5)
    try:
        client.connect((HOST, 53))
    except OSError as error:  # unreachable here: the test fails on this assert, not silently
        assert False, f"reached the network stack: {error}"
assert 1 + 1 == 2
"""


def run(tmp_path, source: str, network: str = ""):
    path = tmp_path / "case.py"
    path.write_text(source, encoding="utf-8")
    return sandbox.run(path, 20, tmp_path, network=network)


def test_loopback_socket_fails_without_the_header(tmp_path):
    outcome = run(tmp_path, LISTEN)
    assert outcome.status == "failed"
    assert "SocketBlockedError" in outcome.message


def test_loopback_socket_works_with_the_header(tmp_path):
    outcome = run(tmp_path, LISTEN, network="loopback")
    assert outcome.status == "passed", outcome.message


@pytest.mark.parametrize("host", ["10.255.255.1", "8.8.8.8", "::ffff:8.8.8.8", "example.org"])
def test_other_addresses_fail_fast_with_the_header(tmp_path, host):
    outcome = run(tmp_path, f"HOST = {host!r}\n" + ELSEWHERE, network="loopback")
    assert outcome.status == "failed"
    assert "NetworkBlockedError" in outcome.message and "refused" in outcome.message
    assert outcome.duration < 5  # refused before connecting: no connect timeout was waited for


@pytest.mark.parametrize(
    "code, what",
    [
        ('socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("8.8.8.8", 53))', "sending to"),
        ('socket.socket().bind(("0.0.0.0", 0))', "binding to"),
        ('socket.getaddrinfo("example.org", 80)', "looking up"),
        ('socket.create_connection(("localhost", 80))', "looking up"),
        ("socket.socket(socket.AF_UNIX)", "family"),
    ],
)
def test_other_uses_fail_with_the_header(tmp_path, code, what):
    outcome = run(tmp_path, f"import socket\n\n{code}\nassert 1 + 1 == 2\n", network="loopback")
    assert outcome.status == "failed"
    assert what in outcome.message, outcome.message


def test_forked_process_inherits_the_guard(tmp_path):
    source = """import torch.multiprocessing as mp


def reach(rank, queue):
    import socket

    try:
        socket.create_connection(("8.8.8.8", 53), timeout=5)
        queue.put("connected")
    except RuntimeError as error:
        queue.put(type(error).__name__)


if __name__ == "__main__":
    queue = mp.get_context("fork").SimpleQueue()
    mp.start_processes(reach, args=(queue,), nprocs=1, start_method="fork")
    assert queue.get() == "NetworkBlockedError"
"""
    outcome = run(tmp_path, source, network="loopback")
    assert outcome.status == "passed", outcome.message


def test_header_is_parsed_and_checked(tmp_path):
    path = tmp_path / "s.py"
    head = '"""Case.\n\nClaims:\n    demo.net: A statement.\n\nNetwork: {}\n"""\nassert 1 + 1 == 2\n'
    path.write_text(head.format("loopback (two ranks)"), encoding="utf-8")
    assert parse(path).network == "loopback"
    path.write_text(head.format("any"), encoding="utf-8")
    with pytest.raises(SnippetError, match="Network must be one of"):
        parse(path)
    path.write_text(head.replace("\nNetwork: {}\n", ""), encoding="utf-8")
    assert parse(path).network == ""


def test_copied_block_gets_loopback_only_from_its_visible_comment(tmp_path):
    declared = "# Network: loopback (two local processes talk over 127.0.0.1)\n" + LISTEN
    assert copyable.declared_network(declared) == "loopback"
    assert copyable.declared_network("import torch\n# Network: loopback\n") == ""  # after code: not seen
    assert copyable.run_block(copyable.Block("p.md", 1, 1, "python", declared)).status == "passed"
    bare = copyable.run_block(copyable.Block("p.md", 1, 1, "python", LISTEN))
    assert bare.status == "failed" and "SocketBlockedError" in bare.detail
    # A block that includes a `Network: loopback` snippet must show the comment to the reader.
    hidden = copyable.Block("p.md", 1, 1, "python", LISTEN, network="loopback")
    result = copyable.run_block(hidden)
    assert result.status == "failed" and "# Network: loopback" in result.detail
