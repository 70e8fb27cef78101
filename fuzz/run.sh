#!/usr/bin/env bash
# Builds and runs the fuzz targets (cargo-fuzz / libFuzzer, debug assertions and overflow
# checks on), on stable Rust through RUSTC_BOOTSTRAP=1.
#
#   bash fuzz/run.sh                       # every target to 1,000,000 executions (the full run)
#   bash fuzz/run.sh --runs 200000 nwb     # some targets, another count
#   bash fuzz/run.sh --smoke 10            # CI: build, then each target for 10 s
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`; installed here when missing). Seeds come
# from testdata/ (the fixture generators' output, each <= 64 KB) and are copied into
# fuzz/corpus/<target>/ (ignored by git), which libFuzzer then grows. Findings are written to
# fuzz/artifacts/<target>/; the script prints one line per target (executions, seconds, result)
# and exits 1 when any target found a crash, an out-of-memory or a timeout.
set -euo pipefail
cd "$(dirname "$0")"
runs=1000000
smoke=""
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --smoke) smoke=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
# Sanitizer: none by default (the targets are safe Rust; panics, aborts, OOMs and timeouts are
# what we look for, and AddressSanitizer halves the speed). RAWIO_FUZZ_SANITIZER=address for it.
san=(-s "${RAWIO_FUZZ_SANITIZER:-none}")
all=$(cargo fuzz list)
[ ${#targets[@]} -eq 0 ] && read -r -a targets <<< "$(echo $all)"

# seeds: "target|member files (relative to testdata/)"; targets that pick a member with their
# first byte get "@" before the list and one seed per member, prefixed with its index.
seeds() {
    case "$1" in
        plexon) echo "|plexon/v103_stereo.plx plexon/v106_empty.plx plexon/v106_mismatch.plx" ;;
        neuroscope_xml) echo "|neuroscope/spikesonly.xml neuroscope/eegonly.xml neuroscope/session.xml" ;;
        neuroscope_res_clu) echo "@|neuroscope/spikesonly.res.1 neuroscope/spikesonly.clu.1" ;;
        neuroscope_spk) echo "|neuroscope/session.spk.2" ;;
        neuroscope_evt) echo "|neuroscope/spikesonly.evt neuroscope/session.rip.evt" ;;
        phy_params) echo "|phy/uint64_col/params.py phy/int64_plain/params.py" ;;
        phy_npy) echo "@|phy/uint64_col/spike_times.npy phy/uint64_col/spike_clusters.npy phy/uint64_col/spike_templates.npy phy/uint64_col/amplitudes.npy phy/uint64_col/templates.npy phy/uint64_col/channel_map.npy phy/uint64_col/channel_positions.npy phy/uint64_col/pc_features.npy phy/uint64_col/pc_feature_ind.npy" ;;
        phy_tsv) echo "@|phy/int64_plain/cluster_group.tsv phy/int64_plain/cluster_info.tsv phy/int64_plain/cluster_KSLabel.tsv" ;;
        nwb) echo "|nwb/bare_units.h5 nwb/lzf.h5 nwb/zstd.h5 nwb/superblock_v2.h5 nwb/softlinks_earliest.h5 nwb/latest.h5 nwb/layouts/matnwb_2_0b.nwb nwb/layouts/damaged.nwb" ;;
        blackrock_nsx) echo "|blackrock/v23_paused.ns5 blackrock/v21.ns2 blackrock/ptp.ns6 blackrock/v30_paused.ns6 blackrock/v23_split.ns5" ;;
        blackrock_nev) echo "|blackrock/v23_paused.nev blackrock/v21.nev blackrock/v22_8bit.nev blackrock/utf16.nev blackrock/v30_paused.nev blackrock/partial.nev" ;;
        openephys_binary) echo "@|$(cd ../testdata && find openephys-binary/gui04_no_node -type f | LC_ALL=C sort | tr '\n' ' ')" ;;
        openephys_legacy) echo "@|$(cd ../testdata && find openephys-legacy/gui04 -type f | LC_ALL=C sort | tr '\n' ' ')" ;;
        nix) echo "|nix/generic_tiny.nix nix/neo_seed.nix" ;;
        spikedata_npz) echo "|spikedata/pynapple_ts.npz spikedata/pynapple_tsgroup.npz spikedata/pynapple_iset.npz spikedata/pynapple_compressed.npz" ;;
        spikedata_hdf5) echo "|spikedata/loaders/raster.h5 spikedata/loaders/ragged_s.h5 spikedata/loaders/group.h5 spikedata/loaders/paired.h5" ;;
        *) [ -f "targets/$1.seeds" ] && cat "targets/$1.seeds" || echo "|" ;;
    esac
}

make_corpus() {
    local t=$1 spec list pick=0 i=0
    spec=$(seeds "$t")
    [ "${spec%%|*}" = "@" ] && pick=1
    list=${spec#*|}
    mkdir -p "corpus/$t"
    for f in $list; do
        local src="../testdata/$f"
        [ -f "$src" ] || { echo "missing seed $src" >&2; exit 2; }
        if [ "$(stat -c %s "$src")" -gt 65536 ]; then echo "seed $src is over 64 KB" >&2; exit 2; fi
        if [ $pick -eq 1 ]; then
            { printf "\\x$(printf %02x $i)"; cat "$src"; } > "corpus/$t/seed-$i"
        else
            cp "$src" "corpus/$t/seed-$(basename "$f")"
        fi
        i=$((i + 1))
    done
}

cargo fuzz build "${san[@]}" -O --debug-assertions 2>&1 | tail -n 3 >&2
fail=0
for t in "${targets[@]}"; do
    make_corpus "$t"
    if [ -n "$smoke" ]; then limit=(-max_total_time="$smoke"); else limit=(-runs="$runs"); fi
    log=$(mktemp)
    set +e
    cargo fuzz run "${san[@]}" -O --debug-assertions "$t" "corpus/$t" -- "${limit[@]}" \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=131072 \
        -print_final_stats=1 > "$log" 2>&1
    rc=$?
    set -e
    # (a crashed run prints no "Done" line: the greps may match nothing)
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1 || true)
    if [ $rc -eq 0 ]; then
        printf '%-22s %10s execs %6s s  ok\n' "$t" "${execs:-?}" "${secs:-?}"
    else
        fail=1
        printf '%-22s %10s execs %6s s  FINDING (exit %s)\n' "$t" "${execs:-?}" "${secs:-?}" "$rc"
        grep -E 'ERROR: |panicked|SUMMARY|Test unit written' "$log" | head -8 | sed 's/^/    /' || true
    fi
    rm -f "$log"
done
exit $fail
