"""Misbehaving script: ignores Ctrl-C and leaves a grandchild behind. The harness must kill both."""

import signal
import subprocess
import sys
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open(sys.argv[1], "w") as pid_file:
    pid_file.write(str(child.pid))
print("started", flush=True)
while True:
    time.sleep(1)
