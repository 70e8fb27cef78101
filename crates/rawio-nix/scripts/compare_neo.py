#!/usr/bin/env python3
"""rawio vs neo 0.14.6 on a large neo-written NIX file, whole-process, one run.

    $PY crates/rawio-nix/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

Writes (once) a >= 300 MB NIX file with neo's NixIO under $RAWIO_BENCH_DIR (a 4-channel float32
AnalogSignal at 30 kHz, a 16-channel one at 1 kHz and a spike train, one segment; neo stores one
DataArray per channel: testdata/generate/nix_fixtures.py --bench), then measures
`rawio dump --json` against `neo_dump.py nix` (wall time and peak RSS of each process, best of
3 / 2, page-cached). Prints JSON rows (scripts/benchlib.py).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402

MB = float(os.environ.get("RAWIO_BENCH_MB", "320"))
GENERATOR = os.path.join(benchlib.ROOT, "testdata", "generate", "nix_fixtures.py")


def make():
    d = os.path.join(benchlib.BENCH_DIR, "nix")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "big.nix")
    if not os.path.exists(path) or os.path.getsize(path) < 300e6:
        benchlib.log(f"writing {path} (~{MB:.0f} MB, neo NixIO)")
        subprocess.run([sys.executable, GENERATOR, "--bench", path, str(MB)], check=True)
    return path


def main():
    rawio = benchlib.build_cli()
    path = make()
    benchlib.warm(path)
    ours = benchlib.measure([rawio, "dump", path, "--json", "--format", "nix"])
    neo = benchlib.measure([sys.executable, os.path.join(benchlib.ORACLE, "neo_dump.py"), "nix", path],
                           repeat=2)
    benchlib.row("nix", "dump --json", path, ours, neo, "neo_dump.py")


if __name__ == "__main__":
    main()
