#!/usr/bin/python3
"""Writes the uncompressed copy of each gzipped file of a folder into another.

  /usr/bin/python3 scripts/inflate-data.py SOURCE_FOLDER TARGET_FOLDER

The build runs it on data/mnist10k/ (CMake target logz_data): logz then reads
the bundled images as 7.8 MB of IDX rather than inflating 1.6 MB of gzip
(loading them takes 45-50 ms instead of 61-70). The .gz files stay the
bundled copy; without the inflated one logz reads them as before.
"""
import glob
import gzip
import os
import shutil
import sys

source, target = sys.argv[1:3]
os.makedirs(target, exist_ok=True)
for path in sorted(glob.glob(os.path.join(source, "*.gz"))):
    out = os.path.join(target, os.path.basename(path)[:-3])
    with gzip.open(path, "rb") as f, open(out + ".tmp", "wb") as g:
        shutil.copyfileobj(f, g)
    os.replace(out + ".tmp", out)
