# The child of the log-wait rows: sleeps argv[1] seconds, prints its CLOCK_MONOTONIC time
# in ns (time.monotonic_ns() is CLOCK_MONOTONIC on Linux, as the measuring side's clock),
# then stays idle for 30 ms before exiting, as a server that printed "ready" would.
# (A child that exits at once keeps its CPU busy with interpreter shutdown right after the
# write; see the README's Benchmarks section for what that does to the tail.)
import sys
import time

time.sleep(float(sys.argv[1]))
print(time.monotonic_ns(), flush=True)
time.sleep(0.03)
