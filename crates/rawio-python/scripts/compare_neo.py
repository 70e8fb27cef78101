#!/usr/bin/env python3
"""The Python package vs neo 0.14.6, through Python, whole-process, one run.

    $PY crates/rawio-python/scripts/compare_neo.py [FORMAT...]   # PY from ../shared/oracle/setup.sh

Each row is the wall time and peak RSS of a Python child that uses ``rawio`` against the same
child using ``neo.rawio`` (the same calls, neo's class names), on the large generated files the
format crates' own comparison scripts write under $RAWIO_BENCH_DIR (their generators are called,
not copied; a format whose crate or generator is absent is skipped with a note). Rows
(scripts/benchlib.py):

  * plexon: ``parse_header()`` + every unit's ``get_spike_timestamps`` + ``rescale_spike_timestamp``
    (goal >= 20x);
  * every format with a generator and a neo reader: ``get_analogsignal_chunk`` in chunks of 65536
    samples + ``rescale_signal_raw_to_float`` (float32, neo's default) over every stream of the
    whole recording (goal >= 2x).

The children run in $RAWIO_PY_VENV (default ~/.cache/rawio-py-venv, the venv of
.ci/python-check): it is created if missing, and ``pip install ./crates/rawio-python`` (a release
build) is run first so the figures are those of the current source.
"""
import importlib.util
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import benchlib  # noqa: E402

VENV = os.environ.get("RAWIO_PY_VENV", os.path.expanduser("~/.cache/rawio-py-venv"))
VPY = os.path.join(VENV, "bin", "python")
CHUNK = 65536

SPIKES = """
import sys, importlib
mod, cls, path = sys.argv[1:4]
kw = {"progress_bar": False} if mod == "neo.rawio" else {}
r = getattr(importlib.import_module(mod), cls)(filename=path, **kw)
r.parse_header()
n = 0
for u in range(r.spike_channels_count()):
    n += len(r.rescale_spike_timestamp(r.get_spike_timestamps(0, 0, u, None, None), "float64"))
print(n)
"""

SIGNALS = """
import sys, importlib
mod, cls, kwarg, path, chunk = sys.argv[1:6]
chunk = int(chunk)
kw = {"progress_bar": False} if mod == "neo.rawio" and cls == "PlexonRawIO" else {}
r = getattr(importlib.import_module(mod), cls)(**{kwarg: path}, **kw)
r.parse_header()
total = 0
for b in range(r.block_count()):
    for s in range(r.segment_count(b)):
        for k in range(r.signal_streams_count()):
            n = r.get_signal_size(b, s, k)
            for i in range(0, n, chunk):
                raw = r.get_analogsignal_chunk(b, s, i, min(n, i + chunk), k)
                total += r.rescale_signal_raw_to_float(raw, "float32", k).shape[0]
print(total)
"""


def _module(crate):
    """The comparison script of a format crate, imported (its generators are reused)."""
    path = os.path.join(ROOT, "crates", crate, "scripts", "compare_neo.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location(f"compare_{crate.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def plexon_file():
    out = subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "rawio-plexon", "--example",
                          "plexon_figures"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["file"]


def blackrock_file(mod):
    d = os.path.join(benchlib.BENCH_DIR, "blackrock")
    os.makedirs(d, exist_ok=True)
    ns5 = os.path.join(d, "signal.ns5")
    mod.make_ns5(ns5)
    return ns5


def _same(p):
    return p, p


# format id -> (crate of its comparison script, (entry path, data path) from that script's generator)
GENERATORS = {
    "neuroscope": ("rawio-neuroscope", lambda m: m.make()),
    "plexon": ("rawio-plexon", lambda m: _same(plexon_file())),
    "openephys-binary": ("rawio-openephys", lambda m: _same(m.make_binary()[0])),
    "openephys-legacy": ("rawio-openephys", lambda m: _same(m.make_legacy())),
    "blackrock": ("rawio-blackrock", lambda m: _same(blackrock_file(m))),
}


def ensure_venv():
    if not os.path.exists(VPY):
        benchlib.log(f"creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([VPY, "-m", "pip", "install", "--quiet", "neo==0.14.6", "numpy==2.4.6",
                        "quantities==0.16.4"], check=True)
    benchlib.log("pip install ./crates/rawio-python (release build)")
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", "python-wheel"))
    subprocess.run([VPY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--force-reinstall",
                    "--no-deps", os.path.join(ROOT, "crates", "rawio-python")], check=True, env=env)
    return json.loads(subprocess.run([VPY, "-c", "import json, rawio; print(json.dumps(rawio.enabled_formats()))"],
                                     check=True, capture_output=True, text=True).stdout)


def main():
    want = sys.argv[1:]
    enabled = ensure_venv()
    spec = importlib.util.spec_from_file_location(  # the format table alone, without the package
        "rawio_formats", os.path.join(ROOT, "crates", "rawio-python", "python", "rawio", "_formats.py"))
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    BY_ID = table.BY_ID

    for fid, (crate, get) in GENERATORS.items():
        if want and fid not in want:
            continue
        entry = BY_ID.get(fid)
        if fid not in enabled or entry is None or entry.neo_rawio is None:
            benchlib.log(f"{fid}: not compiled into rawio or no neo reader; skipped")
            continue
        mod = _module(crate)
        if mod is None:
            benchlib.log(f"{fid}: crates/{crate}/scripts/compare_neo.py is absent; skipped")
            continue
        path, data = get(mod)
        benchlib.warm(data)
        if fid == "plexon":
            ours = benchlib.measure([VPY, "-c", SPIKES, "rawio", entry.class_name, path])
            neo = benchlib.measure([VPY, "-c", SPIKES, "neo.rawio", entry.neo_rawio, path], repeat=1)
            benchlib.row(fid, "Python: parse_header + every spike time", data, ours, neo,
                         "neo.rawio parse_header + spikes", goal_ratio=20)
        args = [entry.kwarg, path, str(CHUNK)]
        ours = benchlib.measure([VPY, "-c", SIGNALS, "rawio", entry.class_name] + args)
        neo = benchlib.measure([VPY, "-c", SIGNALS, "neo.rawio", entry.neo_rawio] + args, repeat=1)
        benchlib.row(fid, f"Python: chunked get_analogsignal_chunk + rescale (float32, {CHUNK} samples)",
                     data, ours, neo,
                     "neo.rawio, same calls", goal_ratio=2)


if __name__ == "__main__":
    main()
