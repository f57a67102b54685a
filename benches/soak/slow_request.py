#!/usr/bin/env python3
"""The slow-request scenario of issue 12, against any RESP server on 127.0.0.1.

CLIENTS clients each send one request `EXISTS k k k ...` of ARGS one-byte arguments
(600,000 arguments: 4.2 MB) at RATE bytes per millisecond, paced by the clock, while one
more client sends PING after PING and times each round trip. Prints the server's CPU time
over the run (utime + stime of PID, from /proc/PID/stat) and the PING latencies.

usage: slow_request.py PORT PID [--clients N] [--args N] [--rate BYTES_PER_MS]
"""

import argparse
import os
import socket
import threading
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_line(sock, buf):
    while b"\r\n" not in buf[0]:
        data = sock.recv(65536)
        if not data:
            raise EOFError("server closed the connection")
        buf[0] += data
    line, buf[0] = buf[0].split(b"\r\n", 1)
    return line


def slow_sender(port, nargs, rate, replies):
    request = b"*%d\r\n$6\r\nEXISTS\r\n" % (nargs + 1) + b"$1\r\nk\r\n" * nargs
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    for i, offset in enumerate(range(0, len(request), rate)):
        delay = start + i / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sock.sendall(request[offset : offset + rate])
    replies.append(read_line(sock, [b""]))
    sock.close()


def pinger(port, stop, latencies):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = [b""]
    while not stop.is_set():
        t = time.monotonic()
        sock.sendall(b"*1\r\n$4\r\nPING\r\n")
        assert read_line(sock, buf) == b"+PONG"
        latencies.append(time.monotonic() - t)
        time.sleep(0.002)
    sock.close()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("pid", type=int)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--args", type=int, default=600_000)
    parser.add_argument("--rate", type=int, default=1400, help="bytes per millisecond")
    opts = parser.parse_args()

    stop, latencies, replies = threading.Event(), [], []
    ping = threading.Thread(target=pinger, args=(opts.port, stop, latencies))
    ping.start()
    time.sleep(0.2)
    idle = list(latencies)
    cpu0, t0 = cpu_seconds(opts.pid), time.monotonic()
    senders = [
        threading.Thread(target=slow_sender, args=(opts.port, opts.args, opts.rate, replies))
        for _ in range(opts.clients)
    ]
    mark = len(latencies)
    for s in senders:
        s.start()
    for s in senders:
        s.join()
    cpu, wall = cpu_seconds(opts.pid) - cpu0, time.monotonic() - t0
    stop.set()
    ping.join()
    busy = latencies[mark:]
    assert replies == [b":0"] * opts.clients, replies
    print(
        f"server_cpu_s={cpu:.2f} wall_s={wall:.2f} "
        f"ping_idle_p50_ms={percentile(idle, 0.5):.2f} "
        f"ping_p50_ms={percentile(busy, 0.5):.2f} ping_p99_ms={percentile(busy, 0.99):.2f}"
    )


if __name__ == "__main__":
    main()
