#!/usr/bin/env bash
# Re-makes the neo goldens of rawio-blackrock (testdata/blackrock/golden/*.neo*.json) with
# python-neo 0.14.6 (../shared/oracle). Only where neo reads the file correctly, or with the
# options under which it does; the generator truth (blackrock_fixtures.py) covers the rest.
#
#   bash testdata/generate/blackrock_goldens.sh
#
# Fixture goldens (--full):
#   partial.neo.json              NEV-only 2.3 with a trailing partial packet
#   v21.neo.json                  spec 2.1 pair (neo drops the last sample: ignored in tests)
#   v23_paused.neo_nonev.json     two sampling groups with a pause, load_nev=False (with the NEV
#                                 neo fails: "Inconsistent ns2 and nev file"; its segment t_start
#                                 is the ns5's, 10 ticks after the ns2's)
#   v30_paused.neo_nonev.json     spec 3.0 with a pause, load_nev=False (with the NEV neo puts
#                                 every packet in segment 0)
#   ptp.neo_nonev.json            PTP ns2 + ns6, load_nev=False, gap_tolerance_ms=10 (neo
#                                 raises without a tolerance)
# Real files of ../shared/testdata/blackrock (full dumps only where small):
#   real/FileSpec2.3001.neo.json, real/l101210-001.neo.json, real/l101210-001-02.neo.json,
#   real/pause_correct.neo.json, real/test.ns5.neo.json, real/test_BRSMPGRP_raw.neo.json,
#   real/test_NEURALCD_raw.neo.json
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=$(../shared/oracle/setup.sh)
DUMP="$PY ../shared/oracle/neo_dump.py blackrock"
G=testdata/blackrock/golden
TD=../shared/testdata/blackrock
mkdir -p "$G/real"
$DUMP testdata/blackrock/partial.nev --full > "$G/partial.neo.json"
$DUMP testdata/blackrock/v21.ns2 --full > "$G/v21.neo.json"
$DUMP testdata/blackrock/v23_paused.ns2 --full --rawio-kwarg load_nev=False > "$G/v23_paused.neo_nonev.json"
$DUMP testdata/blackrock/v30_paused.ns6 --full --rawio-kwarg load_nev=False > "$G/v30_paused.neo_nonev.json"
$DUMP testdata/blackrock/ptp.ns6 --full --rawio-kwarg load_nev=False --rawio-kwarg gap_tolerance_ms=10 > "$G/ptp.neo_nonev.json"
GIN=$TD/gin-ephy-testing-data
$DUMP $GIN/FileSpec2.3001.nev --full > "$G/real/FileSpec2.3001.neo.json"
$DUMP $GIN/blackrock_2_1/l101210-001.ns2 > "$G/real/l101210-001.neo.json"
$DUMP $GIN/blackrock_2_1/l101210-001-02.nev > "$G/real/l101210-001-02.neo.json"
$DUMP $GIN/segment/PauseCorrect/pause_correct.ns2 > "$G/real/pause_correct.neo.json"
$DUMP $GIN/test2/test.ns5 --full > "$G/real/test.ns5.neo.json" 2>/dev/null
$DUMP $TD/mne-nsx/test_BRSMPGRP_raw.ns3 > "$G/real/test_BRSMPGRP_raw.neo.json"
$DUMP $TD/mne-nsx/test_NEURALCD_raw.ns3 > "$G/real/test_NEURALCD_raw.neo.json"
