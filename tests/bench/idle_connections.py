"""Many idle SMTP connections at once, and the resident memory of the server holding them.

Connections are spread over several loopback source addresses so that the relay's per-client
limit (server.max_connections_per_ip) is honoured; each one waits for the 220 greeting, so the
server really holds a session for it, and then stays silent.
"""

import selectors
import socket
import time


def open_idle_connections(host, port, count, per_source, batch=500, timeout=120):
    """Opens `count` connections to host:port from 127.0.0.1, 127.0.0.2, ... (`per_source`
    from each) and waits until every one got its 220 greeting. Returns the sockets; the caller
    closes them. Raises when a connection is refused, gets another reply, or the bound passes."""
    deadline = time.monotonic() + timeout
    sockets = []
    try:
        for start in range(0, count, batch):
            pending = {}
            selector = selectors.DefaultSelector()
            for i in range(start, min(start + batch, count)):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(s)
                s.bind((f"127.0.{i // per_source // 254}.{1 + i // per_source % 254}", 0))
                s.setblocking(False)
                s.connect_ex((host, port))
                selector.register(s, selectors.EVENT_READ)
                pending[s] = b""
            while pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{count - len(sockets) + len(pending)} connections "
                                       f"without a greeting after {timeout}s")
                for key, _ in selector.select(timeout=left):
                    s = key.fileobj
                    data = s.recv(512)
                    pending[s] += data
                    if b"\n" in pending[s] or not data:
                        greeting = pending.pop(s)
                        selector.unregister(s)
                        if not greeting.startswith(b"220"):
                            raise RuntimeError(f"connection {len(sockets)}: greeting "
                                               f"{greeting[:80]!r}")
            selector.close()
    except BaseException:
        for s in sockets:
            s.close()
        raise
    return sockets
