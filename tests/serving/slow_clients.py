"""Hostile and patient clients for the timed server front ends' tests."""

from __future__ import annotations

import socket
import time

TIMEOUT = 0.5  # the header and body timeouts the servers under test get
SLACK = 1.5  # how much later than its timeout a connection may be closed

APP = """
import time

from hipflask import Hipflask, jsonify, request

app = Hipflask(__name__)
app.secret_key = "3f1b8d6a0c4e2f7a9b5d1c3e8f0a6b2d4c7e9f1a3b5d8c0e2f4a6b9d1c3e5f7a"
app.config["BODY_READ_TIMEOUT"] = 0.5
app.config["BODY_MIN_RATE"] = 1000


@app.get("/")
def index():
    return "ok"


@app.get("/slow")
def slow():
    time.sleep(1.5)
    return "slow"


@app.route("/echo", methods=["GET", "POST"])
def echo():
    return jsonify(cookies=request.cookies.to_dict(), size=len(request.get_data()))
"""


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT + SLACK + 5)


def read_response(sock: socket.socket) -> bytes:
    """One whole response (with a Content-Length), or what came before the close."""
    data = b""
    while True:
        head, separator, body = data.partition(b"\r\n\r\n")
        if separator:
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length" and len(body) >= int(value):
                    return data
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def closed_after(sock: socket.socket, trickle: bytes = b"") -> float:
    """Seconds until the server closes ``sock``, sending ``trickle`` every 0.1 s meanwhile."""
    started = time.monotonic()
    sock.settimeout(0.1)
    while time.monotonic() - started < TIMEOUT + SLACK + 5:
        try:
            if not sock.recv(65536):
                break
        except TimeoutError:
            pass
        except OSError:
            break
        if trickle:
            try:
                sock.send(trickle)
            except OSError:
                break
    return time.monotonic() - started
