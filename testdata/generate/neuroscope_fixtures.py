#!/usr/bin/env python3
"""Writes the Neuroscope/Klusters test fixtures into testdata/neuroscope/ (seeded, reproducible).

    python testdata/generate/neuroscope_fixtures.py        # from the workspace root

Fixtures (each a session `NAME.xml` + siblings):

  session    6 channels at 20 kHz (anatomical groups [0,1,2] with channel 1 skipped, [3,4];
             channel 5 in no group), 1 s of .dat, 1 s of .lfp at 1250 Hz, 2 spike groups
             (.res/.clu/.spk; .fet for group 2), events session.rip.evt and session.evt.py.sw.
  eegonly    3 channels, only a .eeg signal at lfpSamplingRate 1250 (neo reads it at 20 kHz).
  partial    2 channels, a .dat with 3 trailing bytes (a partial frame).
  spikesonly no signal file: .res.1/.clu.1 (no .spk) and a general session.evt;
             the xml has no fieldPotentials and no spikeDetection.
  nbits24    an xml with nBits 24 and a .dat: must be refused (Unsupported).

Besides the files, it writes golden/NAME.truth.json: the generator's own expected values in the
rawio-dump/1 layout (only the keys it knows: spikes, events, LFP rates, t_stop), compared with
`rawio_conformance::assert_matches_dump` by the tests. The neo goldens (golden/*.neo.json) are
made with shared/oracle/neo_dump.py, see testdata/neuroscope/golden/README.md.
"""
import json
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "neuroscope")
GOLDEN = os.path.join(ROOT, "golden")
EDGE = 5


def xml_text(n_bits, n_channels, rate, lfp_rate, anat_groups, spike_groups, skip=()):
    out = ["<?xml version='1.0'?>", '<parameters version="1.0" creator="rawio-fixtures">',
           " <generalInfo><date>2024-01-01</date><experimenters>rawio</experimenters></generalInfo>",
           " <acquisitionSystem>",
           f"  <nBits>{n_bits}</nBits>", f"  <nChannels>{n_channels}</nChannels>",
           f"  <samplingRate>{rate}</samplingRate>", "  <voltageRange>20</voltageRange>",
           "  <amplification>1000</amplification>", "  <offset>0</offset>",
           " </acquisitionSystem>"]
    if lfp_rate is not None:
        out.append(f" <fieldPotentials><lfpSamplingRate>{lfp_rate}</lfpSamplingRate></fieldPotentials>")
    out.append(" <anatomicalDescription><channelGroups>")
    for g in anat_groups:
        out.append("  <group>")
        for c in g:
            out.append(f'   <channel skip="{1 if c in skip else 0}">{c}</channel>')
        out.append("  </group>")
    out.append(" </channelGroups></anatomicalDescription>")
    if spike_groups:
        out.append(" <spikeDetection><channelGroups>")
        for chans, ns, peak in spike_groups:
            out.append("  <group><channels>")
            out += [f"    <channel>{c}</channel>" for c in chans]
            out.append(f"   </channels><nSamples>{ns}</nSamples><peakSampleIndex>{peak}</peakSampleIndex>"
                       "<nFeatures>3</nFeatures></group>")
        out.append(" </channelGroups></spikeDetection>")
    out.append("</parameters>")
    return "\n".join(out) + "\n"


def write(name, data, mode="w"):
    with open(os.path.join(ROOT, name), mode) as fh:
        fh.write(data)


def signal(rng, n, n_ch, scale):
    t = np.arange(n)[:, None]
    base = (np.sin(2 * np.pi * t * (np.arange(n_ch) + 1) / 500.0) * scale).astype(np.int64)
    noise = rng.integers(-200, 200, size=(n, n_ch))
    return np.clip(base + noise, -32768, 32767).astype("<i2")


def spikes(rng, n, t_max, clusters, n_samples, n_ch):
    times = np.sort(rng.choice(t_max, size=n, replace=False)).astype(np.int64)
    ids = rng.choice(clusters, size=n)
    wf = rng.integers(-3000, 3000, size=(n, n_samples, n_ch)).astype("<i2")  # [spike][sample][channel]
    return times, ids, wf


def spike_truth(group, times, ids, wf, rate, gain, peak):
    units, entries = [], []
    for c in sorted(set(ids.tolist())):
        sel = ids == c
        t = times[sel] / rate
        units.append({"name": f"shank{group}_cluster{c}", "id": f"{group}#{c}", "wf_units": "mV",
                      "wf_gain": gain, "wf_offset": 0.0,
                      "wf_left_sweep": peak if wf is not None else -1,
                      "wf_sampling_rate": float(rate) if wf is not None else 0.0})
        entries.append({"count": int(sel.sum()), "head_s": t[:EDGE].tolist(), "tail_s": t[-EDGE:].tolist(),
                        "times_s": t.tolist(),
                        "waveform_shape": [int(sel.sum()), wf.shape[2], wf.shape[1]] if wf is not None else None,
                        "waveform_sum": float(wf[sel].astype(np.int64).sum()) if wf is not None else None})
    return units, entries


def events(rng, n, t_max_ms, words):
    t = np.sort(rng.uniform(0, t_max_ms, size=n))
    text = [f"{x:.6f}" for x in t]
    labels = [f"{words[i % len(words)]} {i // len(words) + 1}" for i in range(n)]
    body = "".join(f"{s}\t{l}\n" for s, l in zip(text, labels))
    secs = [float(s) / 1000.0 for s in text]
    return body, secs, labels


def event_truth(name, ident, secs, labels):
    ch = {"name": name, "id": ident, "type": "event"}
    entry = {"count": len(secs), "head_s": secs[:EDGE], "tail_s": secs[-EDGE:], "times_s": secs,
             "head_durations_s": None, "durations_s": None,
             "head_labels": labels[:EDGE], "tail_labels": labels[-EDGE:], "labels": labels}
    return ch, entry


def dump(name, obj):
    with open(os.path.join(GOLDEN, name), "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    rng = np.random.default_rng(20240611)
    gain = 20 * 1000 / 2 ** 16 / 1000

    # ------------------------------------------------------------------ session
    rate, lfp_rate, n_ch = 20000, 1250, 6
    groups = [([0, 1, 2], 8, 3), ([3, 4], 10, 4)]
    write("session.xml", xml_text(16, n_ch, rate, lfp_rate, [[0, 1, 2], [3, 4]], groups, skip={1}))
    dat = signal(rng, rate, n_ch, 3000)
    write("session.dat", dat.tobytes(), "wb")
    lfp = signal(rng, lfp_rate, n_ch, 1500)
    write("session.lfp", lfp.tobytes(), "wb")
    spike_units, spike_entries = [], []
    for g, (n, clusters) in enumerate([(300, [0, 1, 2, 3, 5]), (200, [0, 1, 2, 4])], start=1):
        chans, ns, peak = groups[g - 1]
        times, ids, wf = spikes(rng, n, rate - 10, clusters, ns, len(chans))
        write(f"session.res.{g}", "".join(f"{t}\n" for t in times))
        write(f"session.clu.{g}", f"{len(clusters)}\n" + "".join(f"{c}\n" for c in ids))
        write(f"session.spk.{g}", wf.tobytes(), "wb")
        if g == 2:
            feats = rng.integers(-100, 100, size=(n, 3 * len(chans)))
            write(f"session.fet.{g}", f"{3 * len(chans) + 1}\n" +
                  "".join(" ".join(map(str, f)) + f" {t}\n" for f, t in zip(feats, times)))
        u, e = spike_truth(g, times, ids, wf, rate, gain, peak)
        spike_units += u
        spike_entries += e
    rip_body, rip_s, rip_l = events(rng, 12, 990.0, ["start", "peak", "stop"])
    write("session.rip.evt", rip_body)
    sw_body, sw_s, sw_l = events(rng, 5, 990.0, ["sw"])
    write("session.evt.py.sw", sw_body)
    # event channels are ordered by file suffix: "evt.py.sw" < "rip.evt"
    ev = [event_truth("py.sw", "evt.py.sw", sw_s, sw_l), event_truth("rip", "rip.evt", rip_s, rip_l)]
    dump("session.truth.json", {
        "format": "neuroscope", "nb_block": 1, "nb_segment": [1],
        "spike_channels": spike_units,
        "event_channels": [c for c, _ in ev],
        "segments": [{"block": 0, "segment": 0, "t_start": 0.0, "t_stop": 1.0,
                      "spikes": [dict(unit_index=i, **e) for i, e in enumerate(spike_entries)],
                      "events": [dict(event_index=i, **e) for i, (_, e) in enumerate(ev)]}],
    })
    # the .lfp of the session read alone (binary_file) or as the second stream (Both): our rates
    lfp_channels = [{"sampling_rate": float(lfp_rate), "gain": gain, "units": "mV", "dtype": "int16"}] * n_ch
    dump("session.lfp.truth.json", {
        "signal_channels": lfp_channels,
        "segments": [{"t_start": 0.0, "t_stop": 1.0,
                      "signals": [{"stream_index": 0, "t_start": 0.0, "size": lfp_rate,
                                   "head": lfp[:3].tolist(), "tail": lfp[-3:].tolist(),
                                   "sum": lfp.astype(np.int64).sum(axis=0).astype(float).tolist()}]}],
    })

    # ------------------------------------------------------------------ eegonly
    write("eegonly.xml", xml_text(16, 3, 20000, 1250, [[0, 1, 2]], [([0, 1, 2], 32, 16)]))
    eeg = signal(rng, 2500, 3, 2000)
    write("eegonly.eeg", eeg.tobytes(), "wb")
    dump("eegonly.truth.json", {
        "signal_channels": [{"name": f"ch{c}grp0", "id": str(c), "sampling_rate": 1250.0} for c in range(3)],
        "segments": [{"t_start": 0.0, "t_stop": 2.0, "signals": [{"size": 2500,
                      "sum": eeg.astype(np.int64).sum(axis=0).astype(float).tolist()}]}],
    })

    # ------------------------------------------------------------------ partial
    write("partial.xml", xml_text(16, 2, 1000, 100, [[0, 1]], []))
    part = signal(rng, 500, 2, 1000)
    write("partial.dat", part.tobytes() + b"\x01\x02\x03", "wb")
    dump("partial.truth.json", {
        "segments": [{"t_stop": 0.5, "signals": [{"size": 500, "tail": part[-3:].tolist(),
                      "sum": part.astype(np.int64).sum(axis=0).astype(float).tolist()}]}],
    })

    # ------------------------------------------------------------------ spikesonly
    write("spikesonly.xml", xml_text(16, 4, 32552, None, [[0, 1], [2, 3]], []))
    times, ids, _ = spikes(rng, 150, 32552 * 3, [0, 1, 2, 7], 1, 1)
    write("spikesonly.res.1", "".join(f"{t}\n" for t in times))
    write("spikesonly.clu.1", "4\n" + "".join(f"{c}\n" for c in ids))
    u, e = spike_truth(1, times, ids, None, 32552, gain, -1)
    body, secs, labels = events(rng, 7, 2500.0, ["stim on", "stim off"])
    write("spikesonly.evt", body)
    ch, ee = event_truth("evt", "evt", secs, labels)
    t_stop = max(max(times) / 32552, max(secs))
    dump("spikesonly.truth.json", {
        "signal_streams": [], "signal_channels": [], "spike_channels": u, "event_channels": [ch],
        "segments": [{"t_start": 0.0, "t_stop": t_stop, "signals": [],
                      "spikes": [dict(unit_index=i, **x) for i, x in enumerate(e)],
                      "events": [dict(event_index=0, **ee)]}],
    })

    # ------------------------------------------------------------------ nbits24
    write("nbits24.xml", xml_text(24, 2, 20000, 1250, [[0, 1]], []))
    write("nbits24.dat", signal(rng, 100, 2, 100).tobytes(), "wb")


if __name__ == "__main__":
    main()
