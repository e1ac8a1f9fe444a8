"""A TCP forwarder in front of the test PostgreSQL server that can fall silent.

:meth:`SilentProxy.fall_silent` drops every open connection and then accepts new
ones without ever answering, as a server behind a dead network link does: a
client waits for its whole connect timeout. :meth:`SilentProxy.answer` forwards
again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class SilentProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream`` until told to fall silent."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._silent = False
        self._closed = False
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def __enter__(self) -> SilentProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def fall_silent(self) -> None:
        """Drop the open connections; accept new ones and never answer them."""
        with self._lock:
            self._silent = True
            self._drop_all()

    def answer(self) -> None:
        """Forward again (connections held silent are dropped)."""
        with self._lock:
            self._silent = False
            self._drop_all()

    def close(self) -> None:
        """Stop listening and drop everything."""
        with self._lock:
            self._closed = True
            self._drop_all()
        # Closing a listening socket does not wake accept() on Linux: shut it down first.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accepting.join(timeout=5)

    def _drop_all(self) -> None:
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                if self._closed:
                    client.close()
                    return
                self._open.append(client)
                if self._silent:
                    continue  # held open, never read, never answered
            try:
                server = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                with self._lock:
                    self._forget(client)
                continue
            with self._lock:
                self._open.append(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _forget(self, sock: socket.socket) -> None:
        if sock in self._open:
            self._open.remove(sock)
        sock.close()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        while True:
            try:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)
