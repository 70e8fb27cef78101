#!/usr/bin/env python3
"""rawio vs neo 0.14.6 on a large generated Neuroscope session, whole-process, one run.

    $PY crates/rawio-neuroscope/scripts/compare_neo.py        # PY from ../shared/oracle/setup.sh

Writes (once) a 32-channel int16 session of >= 400 MB under $RAWIO_BENCH_DIR, then measures
`rawio dump --json` against `neo_dump.py neuroscope` (wall time and peak RSS of each process,
best of 3, page-cached) and `cat FILE > /dev/null` (the memory-speed floor). Prints JSON rows
(scripts/benchlib.py). Goals (issue: rawio-core 2): dump >= 2.5x neo, within 1.5x of cat,
peak RSS <= 64 MiB + index.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402
import numpy as np  # noqa: E402

N_CH = 32
RATE = 20000
MB = int(os.environ.get("RAWIO_BENCH_MB", "400"))


def xml(n_ch):
    chans = "".join(f'<channel skip="0">{c}</channel>' for c in range(n_ch))
    return (f"<?xml version='1.0'?><parameters version=\"1.0\"><acquisitionSystem><nBits>16</nBits>"
            f"<nChannels>{n_ch}</nChannels><samplingRate>{RATE}</samplingRate>"
            "<voltageRange>20</voltageRange><amplification>1000</amplification><offset>0</offset>"
            "</acquisitionSystem><fieldPotentials><lfpSamplingRate>1250</lfpSamplingRate>"
            f"</fieldPotentials><anatomicalDescription><channelGroups><group>{chans}</group>"
            "</channelGroups></anatomicalDescription></parameters>\n")


def make():
    d = os.path.join(benchlib.BENCH_DIR, "neuroscope")
    os.makedirs(d, exist_ok=True)
    dat = os.path.join(d, "big.dat")
    n_frames = MB * 1_000_000 // (2 * N_CH) + 1
    if not os.path.exists(dat) or os.path.getsize(dat) != n_frames * 2 * N_CH:
        benchlib.log(f"writing {dat} ({n_frames * 2 * N_CH / 1e6:.0f} MB)")
        rng = np.random.default_rng(7)
        block = 1 << 16
        with open(dat, "wb") as f:
            for start in range(0, n_frames, block):
                n = min(block, n_frames - start)
                f.write(rng.integers(-2000, 2000, size=(n, N_CH), dtype=np.int16).tobytes())
        with open(os.path.join(d, "big.xml"), "w") as f:
            f.write(xml(N_CH))
    return os.path.join(d, "big.xml"), dat


def main():
    rawio = benchlib.build_cli()
    xml_path, dat = make()
    benchlib.warm(dat)
    ours = benchlib.measure([rawio, "dump", xml_path, "--json"])
    neo = benchlib.measure([sys.executable, os.path.join(benchlib.ORACLE, "neo_dump.py"),
                            "neuroscope", xml_path], repeat=2)
    cat = benchlib.measure(["cat", dat])
    benchlib.row("neuroscope", "dump --json", dat, ours, neo, "neo_dump.py", goal_ratio=2.5)
    # within 1.5x of cat: cat_s / rawio_s >= 1 / 1.5
    benchlib.row("neuroscope", "dump --json vs cat", dat, ours, cat, "cat FILE", goal_ratio=0.67)


if __name__ == "__main__":
    main()
