#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: fuzz/corpus/<target>/.

A few small valid files of each format and a few broken ones (truncated,
sizes that do not match, wrong magic), so that libFuzzer starts from inputs
that reach deep into each parser. Run from anywhere; rewrites the folders.
The IDX seeds start with the real headers of data/mnist10k.
"""
import gzip
import io
import json
import pathlib
import shutil
import struct

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def idx_seeds():
    images = gzip.open(ROOT / "data/mnist10k/images-idx3-ubyte.gz").read(16 + 784)
    labels = gzip.open(ROOT / "data/mnist10k/labels-idx1-ubyte.gz").read(8 + 10)
    one_image = images[:4] + struct.pack(">I", 1) + images[8:16] + images[16:]
    write("idx", "mnist-one-image.idx", one_image)
    write("idx", "mnist-ten-labels.idx", labels[:4] + struct.pack(">I", 10) + labels[8:])
    write("idx", "float32-2x3.idx", bytes([0, 0, 0x0D, 2]) + struct.pack(">II", 2, 3)
          + struct.pack(">6f", 0.0, 0.5, 1.0, -1.0, 2.5, 1e-3))
    write("idx", "int16-3.idx", bytes([0, 0, 0x0B, 1]) + struct.pack(">I3h", 3, -1, 0, 300))
    write("idx", "float64-1x1.idx", bytes([0, 0, 0x0E, 2]) + struct.pack(">IId", 1, 1, 0.25))
    write("idx", "broken-header-only.idx", images[:16])  # claims 10,000 images, holds none
    write("idx", "broken-truncated-image.idx", one_image[:500])
    write("idx", "broken-bad-type.idx", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 9]))


def csv_seeds():
    write("csv", "header-and-rows.csv", b"a,b,c\n0,1,0\n1,0.5,-2e-3\n")
    write("csv", "spaces.csv", b"1 0 1\n0\t1\t0\n\n# comment\n1 1 1\n")
    write("csv", "semicolons-crlf.csv", b"x;y\r\n1;2\r\n3;4\r\n")
    write("csv", "broken-ragged.csv", b"1,2,3\n4,5\n")
    write("csv", "broken-not-a-number.csv", b"1,2\n3,x\n")
    write("csv", "broken-empty.csv", b"")


def npy_bytes(array, version=None):
    out = io.BytesIO()
    if version is None:
        np.save(out, array)
    else:
        np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


def npy_seeds():
    write("npy", "float32-2x3.npy", npy_bytes(np.arange(6, dtype="<f4").reshape(2, 3) / 5))
    write("npy", "uint8-3x2x2.npy", npy_bytes(np.arange(12, dtype=np.uint8).reshape(3, 2, 2)))
    write("npy", "bool-4.npy", npy_bytes(np.array([True, False, True, True])))
    write("npy", "int64-fortran-2x2.npy", npy_bytes(np.asfortranarray(np.array([[1, -2], [3, 4]], "<i8"))))
    write("npy", "float64-v2.npy", npy_bytes(np.array([[0.5, -1.0]]), version=(2, 0)))
    valid = npy_bytes(np.ones((2, 2), "<f4"))
    write("npy", "broken-truncated.npy", valid[:-3])
    write("npy", "broken-big-endian.npy", npy_bytes(np.ones(2, ">f8")))
    write("npy", "broken-scalar.npy", npy_bytes(np.float32(1.0)))


def safetensors_bytes(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    w = np.arange(6, dtype="<f4")
    write("safetensors", "rbm.safetensors", safetensors_bytes(
        {"__metadata__": {"model": "bernoulli_rbm"},
         "W": {"dtype": "F32", "shape": [3, 2], "data_offsets": [0, 24]},
         "b": {"dtype": "F32", "shape": [3], "data_offsets": [24, 36]},
         "c": {"dtype": "F32", "shape": [2], "data_offsets": [36, 44]}},
        w.tobytes() + w[:3].tobytes() + w[:2].tobytes()))
    write("safetensors", "f64.safetensors", safetensors_bytes(
        {"x": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}}, np.ones(2, "<f8").tobytes()))
    write("safetensors", "broken-overlap.safetensors", safetensors_bytes(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)))
    write("safetensors", "broken-offsets.safetensors", safetensors_bytes(
        {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, bytes(8)))
    write("safetensors", "broken-header-length.safetensors", struct.pack("<Q", 1 << 40) + b"{}")


def alignment_seeds():
    # The first byte picks the rules (fuzz/alignment_fuzz.cpp): bit 0 A2M,
    # bit 1 unknown letters as gaps, bit 2 DNA.
    protein, a2m, unknown_as_gap, dna = b"\x00", b"\x01", b"\x02", b"\x04"
    write("alignment", "stockholm-blocks-rf.sto", protein + b"# STOCKHOLM 1.0\n#=GF ID t\n"
          b"#=GS a AC P1\n\na  AC.dW\nb  ACyD-\n#=GR a SS ....H\n#=GC RF xx.xx\n\n"
          b"b  E-\na  e.\n#=GC RF x.\n//\n")
    write("alignment", "stockholm-dna.sto", dna + b"# STOCKHOLM 1.0\n\n"
          b"s1/1-8   ACGT.acgT\ns2/3-9   AC-TtACGT\n#=GC RF  xxxx.xxxx\n//\n")
    write("alignment", "fasta-lines.fa", protein + b">one desc\r\nAC-D\r\nef.g\r\n\r\n"
          b">two\nACDE FG.-\n>three\n--ACDEFG\n")
    write("alignment", "a2m-inserts.a2m", a2m + b">s1\nAC-DE\n>s2\nAaaC-D.E\n>s3\n..A.C-DEggg\n")
    write("alignment", "unknown-as-gap.fa", unknown_as_gap + b">x\nXXAC\n>y\nACBZ\n")
    write("alignment", "broken-ragged.fa", protein + b">a\nACD\n>b\nAC\n")
    write("alignment", "broken-duplicate.sto", protein + b"# STOCKHOLM 1.0\na ACD\na ACD\n//\n")
    write("alignment", "broken-missing-end.sto", protein + b"# STOCKHOLM 1.0\na ACD\n\na ACD\n")
    write("alignment", "broken-second-block.sto", protein + b"# STOCKHOLM 1.0\na ACD\nb ACD\n\n"
          b"a AC\n//\n")


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    idx_seeds()
    csv_seeds()
    npy_seeds()
    safetensors_seeds()
    alignment_seeds()


if __name__ == "__main__":
    main()
