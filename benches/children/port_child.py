# The child of the port-wait rows: sleeps argv[3] seconds, listens on 127.0.0.1:argv[2],
# prints the CLOCK_MONOTONIC time (ns) at which the port accepts, then answers every
# connection (in http mode with "200 OK") until it is killed.
import socket
import sys
import time

mode, port, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
time.sleep(delay)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(128)
print(time.monotonic_ns(), flush=True)
while True:
    c, _ = s.accept()
    if mode == "http":
        try:
            c.recv(65536)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        except OSError:
            pass
    c.close()
