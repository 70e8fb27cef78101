#!/usr/bin/env bash
# Regenerates the speed and memory figures of README for every format, in one run:
# whole-process wall time and peak RSS of `rawio` vs neo_dump.py / nwb_dump.py / h5py on large
# generated files (written under $RAWIO_BENCH_DIR, default /tmp/rawio-bench, reused if present).
#
#   bash scripts/compare-neo.sh [FORMAT...]     # e.g. bash scripts/compare-neo.sh neuroscope plexon
#
# Each crates/<crate>/scripts/compare_neo.py prints JSON rows (see scripts/benchlib.py); this
# script prints them as a Markdown table (stdout) and keeps the rows in
# $RAWIO_BENCH_DIR/results.jsonl. Needs ../shared/oracle (the pinned neo/h5py venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(../shared/oracle/setup.sh)
mkdir -p "${RAWIO_BENCH_DIR:-/tmp/rawio-bench}"
out="${RAWIO_BENCH_DIR:-/tmp/rawio-bench}/results.jsonl"
: > "$out"
cargo build --quiet --release -p rawio-cli
want=("$@")
for script in crates/*/scripts/compare_neo.py; do
    crate=$(basename "$(dirname "$(dirname "$script")")")
    fmt=${crate#rawio-}
    if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " =~ " $fmt " ]]; then
        continue
    fi
    echo "== $crate" >&2
    "$PY" "$script" >> "$out"
done
"$PY" - "$out" <<'PYEOF'
import json, platform, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"Machine: {os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}; page-cached files.\n")
print("| format | what | file | rawio | reference | ratio | peak RSS rawio / reference | goal |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    goal = r.get("goal", "")
    if goal:
        goal += " ✅" if r.get("met") else " ❌"
    print(f"| {r['format']} | {r['what']} | {r['file_mb']:.0f} MB | {r['rawio_s']:.3f} s ({r['rawio_mb_s']:.0f} MB/s) "
          f"| {r['ref_s']:.3f} s ({r['ref']}) | {r['ratio']:.1f}× | {r['rawio_rss_mib']:.0f} / {r['ref_rss_mib']:.0f} MiB | {goal} |")
PYEOF
