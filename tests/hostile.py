"""A hostile news site on loopback, for the reliability tests.

Each path is a behaviour: a normal page, or one of the ways servers fail (hang, trickle,
reset mid-body, 5xx with and without Retry-After, 30 MB, binary as text/html, empty,
truncated HTML, redirect loops and redirects off the site or to private addresses).
Written on raw sockets so every byte and every broken connection is under the test's control.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = "normal"  # normal, hang, trickle, reset


class HostileServer:
    def __init__(self):
        self.routes: dict[str, Answer | Callable[[int], Answer]] = {}
        self.hits: Counter[str] = Counter()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def route(self, path: str, answer: Answer | Callable[[int], Answer]) -> None:
        """`answer` may be a function of how many times the path was asked for (1, 2, ...)."""
        self.routes[path] = answer

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket):
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode("latin-1")
            self.hits[path] += 1
            answer = self.routes.get(path, Answer(404, b"not found"))
            if callable(answer):
                answer = answer(self.hits[path])
            if answer.behaviour == "hang":
                self.stopped.wait(120)
                return
            head = f"HTTP/1.1 {answer.status} X\r\nConnection: close\r\n"
            headers = {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(answer.body)),
                       **answer.headers}
            head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            conn.sendall(head.encode("latin-1"))
            if answer.behaviour == "trickle":
                for byte in answer.body:
                    if self.stopped.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(1)
            elif answer.behaviour == "reset":
                conn.sendall(answer.body[: len(answer.body) // 3])
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
            else:
                conn.sendall(answer.body)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stopped.set()
        self.sock.close()


def gzip_bomb(size: int, before: bytes = b"", after: bytes = b"") -> bytes:
    """One gzip member of `before`, `size` zero bytes and `after`, made in a fraction of a second:
    a megabyte of zeros deflates to the same 1 KB block after each full flush, so the block is
    repeated instead of compressed again (1 GiB in about 1 MB); the trailer's CRC is computed."""
    mib = 1 << 20
    assert size % mib == 0
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [deflate.compress(before), deflate.flush(zlib.Z_FULL_FLUSH)]
    block = deflate.compress(bytes(mib)) + deflate.flush(zlib.Z_FULL_FLUSH)
    parts += [block] * (size // mib)
    parts += [deflate.compress(after), deflate.flush()]
    crc = zlib.crc32(before)
    zeros = bytes(mib)
    for _ in range(size // mib):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(after, crc)
    total = len(before) + size + len(after)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"".join(parts)
            + struct.pack("<II", crc, total & 0xFFFFFFFF))
