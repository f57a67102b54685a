#!/usr/bin/env python3
"""CONNS connections to an echo server on 127.0.0.1:PORT, each sending 64 bytes and waiting
for them to come back, over and over, for SECONDS; then all close. Prints the round trips.

usage: echo_clients.py PORT CONNS SECONDS
"""

import selectors
import socket
import sys
import time

port, conns, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
message = b"x" * 64
sel = selectors.DefaultSelector()
socks = []
for _ in range(conns):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.setblocking(False)
    socks.append(s)
    sel.register(s, selectors.EVENT_READ, [0])
for s in socks:
    s.send(message)
round_trips, deadline = 0, time.monotonic() + seconds
while time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.5):
        data = key.fileobj.recv(4096)
        if not data:
            sys.exit("the server closed a connection")
        key.data[0] += len(data)
        if key.data[0] >= len(message):
            key.data[0] -= len(message)
            round_trips += 1
            key.fileobj.send(message)
for s in socks:
    s.close()
print(f"{conns} connections, {round_trips} round trips in {seconds:.0f} s "
      f"({round_trips / seconds:.0f}/s)")
