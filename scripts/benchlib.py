"""Shared helpers for the comparison scripts (scripts/compare-neo.sh and crates/*/scripts/compare_neo.py).

Every figure is a whole-process measurement: wall time and peak RSS of one child process, taken
with os.wait4 (ru_maxrss of that child alone). Files are read once before timing so both sides
run on a page-cached file.

A per-format script prints one JSON object per line on stdout (a "row"):

    {"format": "neuroscope", "what": "dump", "file_mb": 400.1,
     "rawio_s": 0.21, "ref_s": 0.95, "ref": "neo_dump.py", "ratio": 4.5,
     "rawio_rss_mib": 20.3, "ref_rss_mib": 49.0, "rawio_mb_s": 1905.2, "goal": ">= 2.5x", "met": true}

and scripts/compare-neo.sh gathers the rows into the table that README shows.
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.environ.get("RAWIO_SHARED", os.path.join(ROOT, "..", "shared"))
ORACLE = os.path.join(SHARED, "oracle")
RAWIO = os.path.join(ROOT, "target", "release", "rawio")
BENCH_DIR = os.environ.get("RAWIO_BENCH_DIR", "/tmp/rawio-bench")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build_cli():
    """Builds the release CLI once (all default formats)."""
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "rawio-cli"], cwd=ROOT,
                   check=True)
    return RAWIO


def warm(path):
    """Reads every file under path once so that it is page-cached."""
    paths = [path]
    if os.path.isdir(path):
        paths = [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 24):
                pass


def size_mb(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6
    return os.path.getsize(path) / 1e6


GNU_TIME = "/usr/bin/time"


def measure(cmd, repeat=3, env=None):
    """Runs cmd `repeat` times (stdout discarded); returns (best wall seconds, peak RSS MiB of
    the run with the best time). Raises on a non-zero exit.

    The peak RSS comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`), whose own
    small process forks the command: Linux carries a parent's high-water mark into a child it
    spawns with vfork (exec keeps `signal->maxrss`), so ru_maxrss of a child spawned directly by
    this Python process would include Python's own ~40 MiB."""
    import tempfile
    best = None
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile("r") as rss_file:
            full = cmd
            if os.path.exists(GNU_TIME):
                full = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file.name] + list(cmd)
            t = time.perf_counter()
            p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            wall = time.perf_counter() - t
            if p.returncode != 0:
                raise RuntimeError(f"{cmd} failed: {p.stderr.decode(errors='replace')[-2000:]}")
            text = rss_file.read().strip().splitlines()
            rss = float(text[-1]) / 1024.0 if text else float("nan")
        if best is None or wall < best[0]:
            best = (wall, rss)
    return best


def oracle_python():
    return subprocess.run([os.path.join(ORACLE, "setup.sh")], check=True, capture_output=True,
                          text=True).stdout.strip()


def row(fmt, what, path, ours, ref, ref_name, goal_ratio=None):
    """A result row from two (seconds, rss_mib) pairs."""
    mb = size_mb(path)
    ratio = ref[0] / ours[0] if ours[0] > 0 else float("inf")
    r = {"format": fmt, "what": what, "file_mb": round(mb, 1),
         "rawio_s": round(ours[0], 4), "ref_s": round(ref[0], 4), "ref": ref_name,
         "ratio": round(ratio, 2), "rawio_rss_mib": round(ours[1], 1),
         "ref_rss_mib": round(ref[1], 1), "rawio_mb_s": round(mb / ours[0], 1)}
    if goal_ratio is not None:
        r["goal"] = f">= {goal_ratio}x"
        r["met"] = ratio >= goal_ratio
    print(json.dumps(r), flush=True)
    return r
