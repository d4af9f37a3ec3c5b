# The child of the log-wait rows: sleeps argv[1] seconds, then prints its CLOCK_MONOTONIC
# time in ns (time.monotonic_ns() is CLOCK_MONOTONIC on Linux, as the measuring side's clock).
import sys
import time

time.sleep(float(sys.argv[1]))
print(time.monotonic_ns(), flush=True)
