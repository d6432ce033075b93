"""What the command-line tests share: running the real binary and reading
the safetensors files it writes with a reader written from the format's
description, independent of logz."""
import json
import os
import struct
import subprocess
import sys

import numpy as np

LOGZ = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "logz"
ROOT = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."


def run(*args, check=True):
    proc = subprocess.run([LOGZ, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"logz {' '.join(map(str, args))} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def run_json(*args):
    return json.loads(run(*args, "--json").stdout)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        assert t["dtype"] == "F32", t
        a, b = t["data_offsets"]
        tensors[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"])
    return tensors, meta
