"""Small programs the tests run as processes (written to a temp dir by the `script` fixture)."""

HEALTH_SERVER = """
import http.server, sys, time
port = int(sys.argv[1])
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
started = time.monotonic()

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            ready = time.monotonic() - started >= delay
            self.send_response(200 if ready else 503)
        else:
            self.send_response(404)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass

srv = http.server.HTTPServer(("127.0.0.1", port), H)
print(f"Server listening on port {port}", flush=True)
srv.serve_forever()
"""

CRASHING_SERVER = """
import sys
print("loading config", flush=True)
print("fatal: config file missing", file=sys.stderr, flush=True)
sys.exit(3)
"""

TRAINING = """
import time
for epoch in range(1, 6):
    time.sleep(0.02)
    print(f"Epoch {epoch} complete", flush=True)
print("done", flush=True)
"""

BUILD = """
import sys, time
steps = ["compile", "bundle", "minify"]
for s in steps:
    print(f"building {s}...", flush=True)
    time.sleep(0.02)
    print(f"\\u2713 {s}", flush=True)
print("warning: large bundle", file=sys.stderr, flush=True)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""

DATABASE = """
import sys, time, os
data = sys.argv[1]
print("initializing database files", flush=True)
time.sleep(0.1)
open(os.path.join(data, "PG_VERSION"), "w").write("16\\n")
print("Database initialized in 100ms", flush=True)
print("LOG:  database system is ready to accept connections", file=sys.stderr, flush=True)
while True:
    time.sleep(1)
"""

TCP_SERVER = """
import socket, sys, time
port = int(sys.argv[1])
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen()
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.close()
"""
