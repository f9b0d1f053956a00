"""The Locust user's lean HTTP client against a scripted HTTP/1.1 server on loopback.

The client runs on gevent sockets, so it runs in a child process (gevent never loads in the
test process); the server is plain sockets in a thread there, answering each request as its
body says: chunked, Connection: close with Retry-After, HTTP/1.0 until EOF, a connection
closed after the answer (the next request must go out on a new one), or a stall.
"""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = r"""
import json, socket, threading, time
from canvas_sim.locust.lean import LeanClient

ANSWERS = {
    b"chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    b"close": b"HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nContent-Length: 4\r\n"
    b"Connection: close\r\n\r\nbusy",
    b"eof": b"HTTP/1.0 200 OK\r\n\r\nuntil-eof",
    b"drop-after": b"HTTP/1.1 204 No Content\r\n\r\n",
    b"ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
}
CLOSING = {b"close", b"eof", b"drop-after"}
heads, connections = [], []

def serve(conn):
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close(); return
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        length = int([l for l in lines if l.startswith(b"content-length")][0].split(b":")[1])
        while len(rest) < length:
            rest += conn.recv(65536)
        body, buffer = rest[:length], rest[length:]
        heads.append(head.decode())
        if body == b"stall":
            time.sleep(1.5); conn.close(); return
        conn.sendall(ANSWERS[body])
        if body in CLOSING:
            conn.close(); return

listener = socket.create_server(("127.0.0.1", 0))
port = listener.getsockname()[1]
def accept():
    while True:
        conn, _ = listener.accept()
        connections.append(1)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
threading.Thread(target=accept, daemon=True).start()

headers = {"Content-Type": "application/json", "X-Key": "k"}
client = LeanClient(f"http://127.0.0.1:{port}/in?x=1", headers, 0.5)
out = {}
for body in [b"ok", b"chunked", b"close", b"ok", b"eof", b"ok", b"drop-after", b"ok", b"ok"]:
    status, headers, content = client.post(body)
    named = {n.decode().lower(): v.decode() for n, v in headers}
    out.setdefault("answers", []).append([status, content.decode(), named.get("retry-after")])
try:
    client.post(b"stall")
    out["stall"] = "answered"
except TimeoutError:
    out["stall"] = "timeout"
out["after_stall"] = client.post(b"ok")[0]
out["heads"] = heads
out["connections"] = len(connections)
print(json.dumps(out))
"""


def test_the_lean_client_reads_every_kind_of_answer_and_reconnects_when_closed() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True
    )
    out = json.loads(child.stdout)
    assert out["answers"] == [
        [200, "ok", None],
        [200, "hello world", None],
        [503, "busy", "7"],
        [200, "ok", None],
        [200, "until-eof", None],
        [200, "ok", None],
        [204, "", None],
        [200, "ok", None],  # the server had closed the connection: sent again on a new one
        [200, "ok", None],
    ]
    assert out["stall"] == "timeout" and out["after_stall"] == 200
    # One connection until each close (close, eof, drop-after, the stall), then a new one.
    assert out["connections"] == 5
    assert out["heads"][0].split("\r\n") == [
        "POST /in?x=1 HTTP/1.1",
        f"Host: {out['heads'][0].split('Host: ')[1].split(chr(13))[0]}",
        "Content-Type: application/json",
        "X-Key: k",
        "Content-Length: 2",
    ]
    assert out["heads"][0].split("\r\n")[1].startswith("Host: 127.0.0.1:")
