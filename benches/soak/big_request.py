#!/usr/bin/env python3
"""One big request against a RESP server on 127.0.0.1: `EXISTS` with MIB arguments of
1 MiB each (every argument far under the 512 MB per-argument limit). Samples the server's
resident memory (VmRSS of PID) while the request goes in, then prints the reply and the
memory before, at the peak, after the reply (connection still open), and after closing.

usage: big_request.py PORT PID MIB
"""

import socket
import sys
import threading
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main():
    port, pid, mib = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    before = rss_mib(pid)
    peak, done = [before], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    sock = socket.create_connection(("127.0.0.1", port))
    arg = b"$%d\r\n%s\r\n" % (1 << 20, b"k" * (1 << 20))
    try:
        sock.sendall(b"*%d\r\n$6\r\nEXISTS\r\n" % (mib + 1))
        for _ in range(mib):
            sock.sendall(arg)
        sent = "all sent"
    except OSError as err:
        sent = f"sending stopped: {err.strerror}"
    reply = b""
    try:
        while not reply.endswith(b"\r\n"):
            data = sock.recv(4096)
            if not data:
                break
            reply += data
    except OSError as err:
        reply += f"({err.strerror})".encode()
    time.sleep(0.5)
    after_reply = rss_mib(pid)
    done.set()
    sampler.join()
    sock.close()
    time.sleep(0.5)
    print(
        f"{mib} MiB request ({sent}), reply {reply.strip().decode()!r}: RSS MiB "
        f"before {before:.0f}, peak {peak[0]:.0f}, after the reply {after_reply:.0f}, "
        f"after closing {rss_mib(pid):.0f}"
    )


if __name__ == "__main__":
    main()
