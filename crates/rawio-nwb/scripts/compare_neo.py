#!/usr/bin/env python3
"""rawio vs h5py (nwb_dump.py) on a large generated gzip NWB file, whole-process, one run.

    $PY crates/rawio-nwb/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

neo has no usable NWB RawIO: the references are h5py's. Writes (once) a gzip + shuffle
ElectricalSeries of >= 300 MB under $RAWIO_BENCH_DIR/nwb (int16, 384 channels at 30 kHz,
chunks of 3000 x 64, as testdata/generate/nwb_fixtures.py --bench writes it), then measures
(wall time and peak RSS of each process, best of 3 for rawio, of 2 for Python, page-cached):

  * `rawio dump --json` against `nwb_dump.py` (h5py: every series summed, head and tail);
  * chunked reads, 1 s (30000 rows x 384 channels) at a time front to back: the
    `read_chunks` example (rawio-nwb, release) against an h5py child reading the same slices.

Prints JSON rows (scripts/benchlib.py). Goals (issue 13): both >= 1.5x h5py, peak RSS as
rawio-core 2 (bounded by the chunk read and the chunk cache, not by the file).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402

SECONDS = int(os.environ.get("RAWIO_NWB_BENCH_SECONDS", "31"))  # 31 s x 384 ch: ~370 MB
H5PY_CHUNKS = r"""
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    g = f["acquisition/ElectricalSeries"]
    d = g["data"]
    rate = int(g["starting_time"].attrs["rate"])
    n, total = d.shape[0], 0.0
    for s in range(0, n, rate):
        x = d[s:min(n, s + rate)]  # every channel of the slice
        total += float(x[:, 0].sum())
    print(n, total)
"""


def make():
    d = os.path.join(benchlib.BENCH_DIR, "nwb")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"big_{SECONDS}s.nwb")
    if not os.path.exists(path):
        benchlib.log(f"writing {path} ({SECONDS} s x 384 channels, gzip)")
        gen = os.path.join(benchlib.ROOT, "testdata", "generate", "nwb_fixtures.py")
        sys.path.insert(0, os.path.dirname(gen))
        import nwb_fixtures  # noqa: E402
        nwb_fixtures.bench_file(path + ".tmp", seconds=SECONDS)
        os.replace(path + ".tmp", path)
    return path


def main():
    rawio = benchlib.build_cli()
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "rawio-nwb", "--example",
                    "read_chunks"], cwd=benchlib.ROOT, check=True)
    chunks = os.path.join(benchlib.ROOT, "target", "release", "examples", "read_chunks")
    path = make()
    benchlib.warm(path)
    ours = benchlib.measure([rawio, "dump", path, "--json"])
    ref = benchlib.measure([sys.executable, os.path.join(benchlib.ORACLE, "nwb_dump.py"), path],
                           repeat=2)
    benchlib.row("nwb", "dump --json (gzip)", path, ours, ref, "nwb_dump.py (h5py)",
                 goal_ratio=1.5)
    ours = benchlib.measure([chunks, path, "1"])
    ref = benchlib.measure([sys.executable, "-c", H5PY_CHUNKS, path], repeat=2)
    benchlib.row("nwb", "1 s chunks, all channels (gzip)", path, ours, ref, "h5py slices",
                 goal_ratio=1.5)


if __name__ == "__main__":
    main()
