"""Runs INSIDE the QEMU guest for tests/test_e2e_patch.py: the errno of socket() calls.

    python3 tests/guest/socket_calls.py CGROUP '[[family, type, protocol], ...]'

Joins CGROUP first (unless it is ""), then prints a JSON list with the errno of each
socket() call (0 = success). Never connect(): in the e2e guest that is the crash.
"""

import json
import os
import socket
import sys

cg, calls = sys.argv[1], json.loads(sys.argv[2])
if cg:
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
out = []
for fam, typ, proto in calls:
    try:
        socket.socket(fam, typ, proto).close()
        out.append(0)
    except OSError as e:
        out.append(e.errno)
print(json.dumps(out))
