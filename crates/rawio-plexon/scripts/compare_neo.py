#!/usr/bin/env python3
"""rawio vs neo 0.14.6 on the large generated Plexon file, whole-process, one run.

    $PY crates/rawio-plexon/scripts/compare_neo.py [FILE]    # PY from ../shared/oracle/setup.sh

Without FILE, the ~690 MB, ~5.15 M-block bench file is written first by the `plexon_figures`
example (benches/support/bigfile.rs; it also prints the index size). Rows (JSON, see
scripts/benchlib.py), each the wall time and peak RSS of one process, page-cached:
  * open: `rawio info FILE` vs a Python child running neo's `parse_header()` (goal >= 50x);
  * all spike times: `rawio dump` restricted to nothing else is not a command, so the child
    times parse_header + every get_spike_timestamps + rescale, against `rawio dump` (which does
    that and reads every signal and waveform too): a lower bound of the speed-up;
  * dump: `rawio dump --json` vs `neo_dump.py plexon` (goal >= 60x).
neo takes minutes per run on this file, so it runs once.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import benchlib  # noqa: E402

NEO_OPEN = "from neo.rawio import PlexonRawIO; import sys; PlexonRawIO(filename=sys.argv[1], progress_bar=False).parse_header()"
NEO_SPIKES = """
from neo.rawio import PlexonRawIO; import sys
r = PlexonRawIO(filename=sys.argv[1], progress_bar=False); r.parse_header()
for u in range(r.spike_channels_count()):
    r.rescale_spike_timestamp(r.get_spike_timestamps(0, 0, u, None, None), "float64")
"""


def main():
    rawio = benchlib.build_cli()
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        out = subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "rawio-plexon",
                              "--example", "plexon_figures"], cwd=benchlib.ROOT, check=True,
                             capture_output=True, text=True).stdout
        figures = json.loads(out)
        path = figures["file"]
        benchlib.log(f"index: {figures['index_bytes_per_block']:.2f} B/block "
                     f"({figures['index_bytes'] / 2**20:.0f} MiB) for {figures['blocks']:,} blocks")
    benchlib.warm(path)
    py = sys.executable
    ours_open = benchlib.measure([rawio, "info", path])
    neo_open = benchlib.measure([py, "-c", NEO_OPEN, path], repeat=1)
    benchlib.row("plexon", "open (header + index)", path, ours_open, neo_open,
                 "neo parse_header", goal_ratio=50)
    ours_dump = benchlib.measure([rawio, "dump", path, "--json"])
    neo_spikes = benchlib.measure([py, "-c", NEO_SPIKES, path], repeat=1)
    benchlib.row("plexon", "all spike times (rawio: whole dump)", path, ours_dump, neo_spikes,
                 "neo parse_header + spikes", goal_ratio=20)
    neo_dump = benchlib.measure([py, os.path.join(benchlib.ORACLE, "neo_dump.py"), "plexon", path],
                                repeat=1)
    benchlib.row("plexon", "dump --json", path, ours_dump, neo_dump, "neo_dump.py", goal_ratio=60)


if __name__ == "__main__":
    main()
