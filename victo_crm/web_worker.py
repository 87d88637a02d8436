"""gunicorn's threaded worker, handing a thread only requests that have arrived.

gunicorn's ``gthread`` worker gives a connection to one of its threads as soon as its first
byte arrives; the thread then reads the rest of the request with a blocking socket and no
time limit. A client that sends its headers a byte at a time, or announces a body longer than
the one it sends, keeps that thread for as long as it likes, and gunicorn's ``timeout`` never
fires (the worker's main loop still reports alive). With 2 workers of 2 threads, four such
clients stopped every page, ``/healthz`` included (issue 17.3; docs/operations.md, "Slow and
hostile clients").

This worker reads each request in the main loop instead, without a thread, up to the end of
its headers and of a body of at most ``VICTO_WEB_BUFFER_BYTES``; only then does a thread take
it. A request still incomplete ``VICTO_WEB_HEADER_TIMEOUT`` seconds after its first byte
(plus a second per ``VICTO_WEB_MIN_RATE`` bytes received) is answered 408 and closed. A larger
body (a form with photos) is read by the thread, which must receive at least
``VICTO_WEB_MIN_RATE`` bytes a second on average after the grace period, and at most
``threads - 1`` threads of a worker read such bodies at once (503 beyond), so one thread is
always left for everything else.

Behind a reverse proxy that buffers whole requests (nginx does by default) none of this is
reached; it is what keeps a directly exposed gunicorn, or one behind a streaming load
balancer, serving.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from typing import Any

from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value else default


HEADER_TIMEOUT = _env_float("VICTO_WEB_HEADER_TIMEOUT", 10.0)
MIN_RATE = _env_float("VICTO_WEB_MIN_RATE", 16 * 1024)
BUFFER_BYTES = int(_env_float("VICTO_WEB_BUFFER_BYTES", 1024 * 1024))
MAX_BODY_BYTES = int(_env_float("VICTO_WEB_MAX_BODY_BYTES", 100 * 1024 * 1024))
# Headers larger than this are refused (gunicorn's own limits would refuse them anyway).
MAX_HEADER_BYTES = 64 * 1024

_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_TOO_LARGE = b"HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n"
    b"Content-Length: 0\r\n\r\n"
)
_BAD = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


def _body_length(head: bytes) -> int | None:
    """The announced body length: 0 for none, -1 for chunked, None when malformed."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return -1
        if name == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
            if length < 0:
                return None
    return length


class _Pending:
    """A request being read in the main loop."""

    __slots__ = ("body", "data", "deadline", "head_end", "started")

    def __init__(self) -> None:
        self.data = bytearray()
        self.started = time.monotonic()
        self.deadline = self.started + HEADER_TIMEOUT
        self.head_end = -1
        self.body: int | None = 0


class _RateLimitedUnreader(SocketUnreader):
    """Reads the rest of a large body: at least MIN_RATE bytes a second on average, after a
    grace of HEADER_TIMEOUT seconds, or ``TimeoutError``."""

    def __init__(self, sock: socket.socket, received: int) -> None:
        super().__init__(sock)
        self.started = time.monotonic()
        self.received = received

    def chunk(self) -> bytes:
        deadline = self.started + HEADER_TIMEOUT + self.received / MIN_RATE
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request body too slow")
        self.sock.settimeout(remaining)
        data = self.sock.recv(self.mxchunk)
        self.received += len(data)
        return data


class BufferingThreadWorker(ThreadWorker):
    def init_process(self) -> None:
        self._pending: dict[TConn, _Pending] = {}
        threads = self.cfg.threads
        self._large_bodies = threading.BoundedSemaphore(max(1, threads - 1))
        super().init_process()

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        if self.cfg.is_ssl:  # the bytes would be TLS records: gunicorn's own way
            super().on_client_socket_readable(conn, client)
            return
        pending = self._pending.get(conn)
        if pending is None:
            with self._lock:
                if conn.initialized:  # a kept-alive connection wakes up
                    try:
                        self._keep.remove(conn)
                    except ValueError:
                        return  # the keep-alive sweep closed it meanwhile
            pending = self._pending[conn] = _Pending()
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:
            self._drop(conn)
            return
        pending.data += data
        pending.deadline = pending.started + HEADER_TIMEOUT + len(pending.data) / MIN_RATE
        if pending.head_end < 0:
            end = pending.data.find(b"\r\n\r\n")
            if end < 0:
                if len(pending.data) > MAX_HEADER_BYTES:
                    self._answer(conn, _BAD)
                return
            pending.head_end = end + 4
            pending.body = _body_length(bytes(pending.data[:end]))
            if pending.body is None:
                self._answer(conn, _BAD)
                return
            if pending.body > MAX_BODY_BYTES:
                self._answer(conn, _TOO_LARGE)
                return
        received = len(pending.data) - pending.head_end
        body = pending.body or 0
        if body < 0 or received >= body or received >= BUFFER_BYTES:
            self._hand_over(conn, pending, large=body < 0 or received < body)

    def _hand_over(self, conn: TConn, pending: _Pending, *, large: bool) -> None:
        del self._pending[conn]
        with self._lock:
            self._unregister(conn)
        conn.init()
        if large:
            conn.parser.unreader = _RateLimitedUnreader(conn.sock, len(pending.data))
            conn.parser.unreader.unread(bytes(pending.data))
            fs = self.tpool.submit(self._handle_large, conn)
        else:
            conn.parser.unreader.unread(bytes(pending.data))
            fs = self.tpool.submit(self.handle, conn)
        self._wrap_future(fs, conn)

    def _handle_large(self, conn: TConn) -> tuple[bool, TConn]:
        if not self._large_bodies.acquire(blocking=False):
            self._send(conn, _BUSY)
            return (False, conn)
        try:
            self.handle(conn)
        finally:
            self._large_bodies.release()
        # Closed afterwards: the next request on the connection would otherwise begin with
        # whatever of this body the application left unread, through this slow reader.
        return (False, conn)

    def handle(self, conn: TConn) -> tuple[bool, TConn]:
        try:
            return super().handle(conn)
        except TimeoutError:
            return (False, conn)

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        for conn, pending in list(self._pending.items()):
            if pending.deadline <= now:
                self._answer(conn, _REQUEST_TIMEOUT)

    def _answer(self, conn: TConn, response: bytes) -> None:
        self._send(conn, response)
        self._drop(conn)

    @staticmethod
    def _send(conn: TConn, response: bytes) -> None:
        try:
            conn.sock.setblocking(False)
            conn.sock.send(response)
        except OSError:
            pass

    def _drop(self, conn: TConn) -> None:
        self._pending.pop(conn, None)
        with self._lock:
            self._unregister(conn)
        self.nr_conns -= 1
        conn.close()

    def _unregister(self, conn: TConn) -> None:
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        except OSError as error:
            if error.errno != errno.EBADF:
                raise


__all__ = ["BufferingThreadWorker"]
