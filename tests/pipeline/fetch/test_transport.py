"""The pinned transport connects only to vetted addresses and honours the deadline."""

from __future__ import annotations

import socket
import time

import httpcore
import pytest

from pipeline.fetch.transport import Deadline, PinnedBackend


def test_backend_never_connects_to_a_host_that_was_not_pinned():
    backend = PinnedBackend(Deadline(5))
    with pytest.raises(httpcore.ConnectError, match="no vetted address for example.com:80"):
        backend.connect_tcp("example.com", 80)


def test_backend_tries_the_next_vetted_address_when_one_is_down():
    with socket.socket() as listener, socket.socket() as closed:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        closed.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        backend = PinnedBackend(Deadline(5))
        backend.pin("site.example", port, ["127.0.0.2", "127.0.0.1"])  # nothing on 127.0.0.2
        stream = backend.connect_tcp("site.example", port, timeout=1)
        assert stream.get_extra_info("server_addr") == ("127.0.0.1", port)
        stream.close()


def test_no_network_operation_starts_after_the_deadline():
    backend = PinnedBackend(Deadline(0.01))
    backend.pin("site.example", 80, ["127.0.0.1"])
    time.sleep(0.02)
    with pytest.raises(httpcore.ConnectTimeout):
        backend.connect_tcp("site.example", 80, timeout=10)
