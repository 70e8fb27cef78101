#!/usr/bin/env python3
"""Writes the Open Ephys test fixtures (seeded, reproducible):

    python testdata/generate/openephys_fixtures.py        # from the workspace root

testdata/openephys-binary/ (structure.oebin + continuous.dat + .npy):

  gui06_multinode   GUI 0.6 layout: "Record Node 101" (Neuropixels AP with a SYNC channel, LFP,
                    an acquisition board with ADC channels, an NI-DAQ) and "Record Node 102" (the
                    AP stream again); experiment1 (recordings 1 and 2) and experiment3 (recording
                    1); delayed start (first sample numbers 123456...); synchronized timestamps
                    with drift on the NI-DAQ (the secondary clock), -1 on the LFP (no sync);
                    gaps in the AP sample numbers of experiment1/recording2; TTL states with a
                    leading falling and a trailing rising edge; MessageCenter text; an empty TTL
                    folder; a Spike Detector folder (2 electrodes, clusters 0 and 3, waveforms);
                    a continuous.dat with a partial last frame (experiment3, LFP).
  gui05_two_nodes   GUI 0.5 layout: RecordNode103 / RecordNode105, timestamps.npy int64 sample
                    numbers, synchronized_timestamps.npy (-1 in 103, drifting in 105), TEXT and
                    TTL_1 events (channels.npy, channel_states.npy, full_words.npy).
  gui04_no_node     GUI 0.4 layout (no Record Node): Rhythm_FPGA with 4 CH + 1 ADC channel, Spike
                    Viewer spikes (2 tetrodes in one folder, spike_*.npy), two BINARY_group
                    tracking folders with structured metadata (neo keeps only the last one).
  twelve_streams    12 streams of 2 channels with different first sample numbers (neo sorts the
                    ids as strings and gives stream "10" the t_start of stream 2).

testdata/openephys-legacy/ (.continuous/.events/.spikes):

  gui04             100_CH1..CH4, 100_AUX1, 100_ADC1 (+ `_2` files: a second start), an
                    all_channels.events of TTL records (+ `_2`), spikes SEp100.0n0 (1 channel)
                    and STp100.0n1 (2 channels) with sorted ids 0/2 not starting at sample 0
                    (+ `_2`); first sample 123904 (a recording that does not start at 0).
  gui06_nodes       GUI 0.6 names in two node folders: "Record Node 101"/100_example-data_CH1..3
                    and "Record Node 102"/100_example-data_CH1..2, a 0.6 .events file whose header
                    lacks sampleRate, Stereotrode1_example-data.spikes.
  bare_numbers      106_1.continuous, 106_17.continuous (channel numbers without "CH", GUI 0.5.5)
                    and 106_1_2 / 106_17_2 (a second start).
  damaged           gaps (missing records), a change of recording number inside the file, a
                    record missing one byte (re-synchronised on the marker), a 1021-byte header,
                    and a channel shorter than the others (read to the common length).

Besides the files, it writes golden/NAME.truth.json next to each: the generator's own values in
the rawio-dump/1 layout (only the keys it knows), compared by the Rust tests with
rawio_conformance::assert_matches_dump. neo goldens (golden/NAME.neo.json) are made with
shared/oracle/neo_dump.py where neo reads the fixture (see the README in each golden folder).
"""
import json
import os
import shutil

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "..", "openephys-binary")
LEG = os.path.join(HERE, "..", "openephys-legacy")
EDGE = 5
HEAD = 3
RNG = np.random.default_rng(20260615)


# ---------------------------------------------------------------------------------------------
# helpers


def npy(path, arr):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, arr)


def signal(n, n_ch, scale=800):
    t = np.arange(n)[:, None]
    base = (np.sin(t / (7.0 + np.arange(n_ch)[None, :])) * scale).astype(np.int64)
    noise = RNG.integers(-50, 50, size=(n, n_ch))
    return np.clip(base + noise + np.arange(n_ch)[None, :] * 3, -32768, 32767).astype(np.int16)


def sig_truth(data, t_start):
    n = data.shape[0]
    k = min(HEAD, n)
    return {"t_start": t_start, "size": int(n),
            "head": data[:k].astype(int).tolist(), "tail": data[n - k:].astype(int).tolist(),
            "sum": [float(v) for v in data.astype(np.int64).sum(axis=0)]}


def ev_truth(times, labels, durations=None):
    out = {"count": len(times), "times_s": [float(t) for t in times], "labels": list(labels)}
    out["durations_s"] = None if durations is None else [float(d) for d in durations]
    return out


def sp_truth(times, wf_shape=None, wf_sum=None):
    out = {"count": len(times), "times_s": [float(t) for t in times]}
    if wf_shape is not None:
        out["waveform_shape"] = list(wf_shape)
        out["waveform_sum"] = float(wf_sum)
    return out


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)


# ---------------------------------------------------------------------------------------------
# binary format


def chan_entries(names, bit_volts, units=""):
    return [{"channel_name": n, "description": "", "identifier": "", "history": "gen -> Record Node",
             "bit_volts": bit_volts, "units": units} for n in names]


def write_stream(rec_dir, folder, data, first_sample, rate, sync=None, gaps=None, v06=True,
                 partial=0):
    """Writes continuous/<folder>/; returns the sample numbers."""
    d = os.path.join(rec_dir, "continuous", folder)
    os.makedirs(d, exist_ok=True)
    n = data.shape[0]
    sn = first_sample + np.arange(n, dtype=np.int64)
    for at, missing in (gaps or []):
        sn[at:] += missing
    with open(os.path.join(d, "continuous.dat"), "wb") as f:
        f.write(data.astype("<i2").tobytes())
        f.write(b"\x01" * partial)
    if v06:
        npy(os.path.join(d, "sample_numbers.npy"), sn)
        ts = sn / rate if sync is None else sync(sn)
        npy(os.path.join(d, "timestamps.npy"), ts.astype(np.float64))
    else:
        npy(os.path.join(d, "timestamps.npy"), sn)
        if sync is not None:
            npy(os.path.join(d, "synchronized_timestamps.npy"), sync(sn).astype(np.float64))
    return sn


def ttl_events(first, rate, n_pulses, line_period, lines):
    """Rising/falling edges per line, sorted by sample; a leading falling edge on the first line
    and a trailing rising edge on the last one."""
    ev = []
    for li, line in enumerate(lines):
        for p in range(n_pulses):
            r = first + 40 + p * line_period + li * 7
            ev.append((r, line))
            ev.append((r + 15 + 3 * li, -line))
    ev.append((first + 5, -lines[0]))            # leading falling edge
    ev.append((first + 40 + n_pulses * line_period + 500, lines[-1]))  # trailing rising edge
    ev.sort()
    sn = np.array([e[0] for e in ev], dtype=np.int64)
    states = np.array([e[1] for e in ev], dtype=np.int16)
    # expected epochs: pairs per line, chronological
    pairs = []
    for line in lines:
        opened = None
        for s, st in ev:
            if st == line:
                opened = s
            elif st == -line and opened is not None:
                pairs.append((opened, s - opened, line))
                opened = None
    pairs.sort()
    return sn, states, pairs


def binary_gui06():
    root = os.path.join(BIN, "gui06_multinode")
    fresh(root)
    truth = {"nb_block": 2, "nb_segment": [2, 1], "segments": []}
    ap_rate, lfp_rate, daq_rate, board_rate = 30000.0, 2500.0, 30000.0, 30000.0
    drift = lambda sn: sn / daq_rate * (1 + 2e-5) + 0.0123  # noqa: E731
    layout = [("experiment1", "recording1"), ("experiment1", "recording2"),
              ("experiment3", "recording1")]
    sources = {
        "Record Node 101": [
            ("Acquisition_Board-100.Rhythm Data", ["CH1", "CH2", "CH3", "ADC1", "ADC2"],
             board_rate, 0.195, 0),
            ("NI-DAQmx-102.PXIe-6341", ["AI0", "AI1"], daq_rate, 0.0003051850944757462, 0),
            ("Neuropix-PXI-104.ProbeA-AP", [f"CH{i}" for i in range(1, 5)] + ["PXIe_SYNC"],
             ap_rate, 0.195, 0),
            ("Neuropix-PXI-104.ProbeA-LFP", [f"CH{i}" for i in range(1, 5)], lfp_rate, 0.195,
             0),
        ],
        "Record Node 102": [
            ("Neuropix-PXI-104.ProbeA-AP", [f"CH{i}" for i in range(1, 5)] + ["PXIe_SYNC"],
             ap_rate, 0.195, 0),
        ],
    }
    seg_truth = {}
    for si, (exp, rec) in enumerate(layout):
        first = 123456 + si * 100000
        for node, streams in sources.items():
            rd = os.path.join(root, node, exp, rec)
            cont = []
            for folder, names, rate, bv, _ in streams:
                n = 600 if rate > 5000 else 50
                data = signal(n, len(names))
                if "SYNC" in names[-1]:
                    data[:, -1] = (np.arange(n) // 100) % 2
                gaps = [(200, 37), (450, 5)] if (folder.endswith("AP") and si == 1) else None
                partial = 3 if (folder.endswith("LFP") and si == 2) else 0
                f0 = first if rate > 5000 else first // 12
                if folder.startswith("NI-DAQ"):
                    f0 = first + 17
                sync = drift if folder.startswith("NI-DAQ") else (
                    (lambda sn: np.full(len(sn), -1.0)) if folder.endswith("LFP") else None)
                write_stream(rd, folder, data, f0, rate, sync=sync, gaps=gaps, partial=partial)
                units = "" if not folder.startswith("Acq") else "uV"
                entry = {"folder_name": folder + "/", "sample_rate": rate,
                         "source_processor_name": folder.split("-")[0],
                         "source_processor_id": int(folder.split(".")[0].split("-")[-1]),
                         "stream_name": folder.split(".")[-1], "recorded_processor": "Record Node",
                         "recorded_processor_id": int(node.split()[-1]),
                         "num_channels": len(names),
                         "channels": chan_entries(names, bv, units)}
                if folder.startswith("Acq"):
                    for c in entry["channels"]:
                        if c["channel_name"].startswith("ADC"):
                            c["bit_volts"] = 0.00015
                            c["units"] = ""
                cont.append(entry)
                seg_truth[(si, node, folder)] = (data, f0, rate, gaps)
            events = []
            if node == "Record Node 101":
                tsn, states, pairs = ttl_events(first, ap_rate, 3, 120, [1, 3])
                d = os.path.join(rd, "events", "Neuropix-PXI-104.ProbeA-AP", "TTL")
                npy(os.path.join(d, "sample_numbers.npy"), tsn)
                npy(os.path.join(d, "timestamps.npy"), tsn / ap_rate + 1e-4)
                npy(os.path.join(d, "states.npy"), states)
                npy(os.path.join(d, "full_words.npy"), np.abs(states).astype(np.uint64))
                seg_truth[(si, "ttl")] = pairs
                events.append({"folder_name": "Neuropix-PXI-104.ProbeA-AP/TTL/",
                               "channel_name": "Neuropixels PXI Sync", "description": "",
                               "identifier": "neuropixels.sync", "sample_rate": ap_rate,
                               "type": "int16", "source_processor": "Neuropix-PXI",
                               "stream_name": "ProbeA-AP", "initial_state": 0})
                d = os.path.join(rd, "events", "NI-DAQmx-102.PXIe-6341", "TTL")
                for name, dt in [("sample_numbers", np.int64), ("timestamps", np.float64),
                                 ("states", np.int16), ("full_words", np.uint64)]:
                    npy(os.path.join(d, name + ".npy"), np.zeros(0, dtype=dt))
                events.append({"folder_name": "NI-DAQmx-102.PXIe-6341/TTL/",
                               "channel_name": "PXIe-6341 Digital Input Line", "sample_rate": daq_rate,
                               "type": "int16", "stream_name": "PXIe-6341", "initial_state": 0})
            d = os.path.join(rd, "events", "MessageCenter")
            msn = np.array([first + 10, first + 300], dtype=np.int64)
            texts = [f"start {node} {exp} {rec}", "stimulus on"]
            npy(os.path.join(d, "sample_numbers.npy"), msn)
            npy(os.path.join(d, "timestamps.npy"), msn / ap_rate)
            npy(os.path.join(d, "text.npy"), np.array([t.encode() for t in texts], dtype="S64"))
            seg_truth[(si, node, "msg")] = (msn, texts)
            events.append({"folder_name": "MessageCenter/", "channel_name": "Messages",
                           "sample_rate": ap_rate, "type": "string", "stream_name": "ProbeA-AP"})
            spikes = []
            if node == "Record Node 101":
                for e, (name, n_sp) in enumerate([("Stereotrode 1", 7), ("Stereotrode 2", 4)]):
                    folder = f"Spike_Detector-105.ProbeA-AP/{name}"
                    d = os.path.join(rd, "spikes", folder)
                    ssn = np.sort(RNG.choice(np.arange(first - 50, first + 600), n_sp, replace=False))
                    ssn = ssn[RNG.permutation(n_sp)]  # not sorted on disk
                    cl = np.array([(i % 2) * 3 for i in range(n_sp)], dtype=np.uint16)
                    wf = RNG.integers(-300, 300, size=(n_sp, 2, 10)).astype(np.int16)
                    npy(os.path.join(d, "sample_numbers.npy"), ssn.astype(np.int64))
                    npy(os.path.join(d, "timestamps.npy"), ssn / ap_rate)
                    npy(os.path.join(d, "clusters.npy"), cl)
                    npy(os.path.join(d, "electrode_indices.npy"), np.full(n_sp, e, dtype=np.uint16))
                    npy(os.path.join(d, "waveforms.npy"), wf)
                    seg_truth[(si, name)] = (ssn, cl, wf, e)
                    spikes.append({"name": name, "description": "", "identifier": "",
                                   "source_processor_id": 105, "stream_name": "ProbeA-AP",
                                   "sample_rate": ap_rate, "num_channels": 2,
                                   "pre_peak_samples": 3, "post_peak_samples": 7,
                                   "folder": folder + "/",
                                   "source_channels": [{"name": "CH1", "local_index": 0,
                                                        "bit_volts": 0.195},
                                                       {"name": "CH2", "local_index": 1,
                                                        "bit_volts": 0.195}]})
            oebin = {"GUI version": "0.6.7", "continuous": cont, "events": events,
                     "spikes": spikes}
            with open(os.path.join(rd, "structure.oebin"), "w") as f:
                json.dump(oebin, f, indent=2)
    return seg_truth


def binary_gui06_truth(seg_truth):
    """Truth for gui06_multinode (default options)."""
    names = sorted(["Record Node 101#Acquisition_Board-100.Rhythm Data",
                    "Record Node 101#NI-DAQmx-102.PXIe-6341",
                    "Record Node 101#Neuropix-PXI-104.ProbeA-AP",
                    "Record Node 101#Neuropix-PXI-104.ProbeA-LFP",
                    "Record Node 102#Neuropix-PXI-104.ProbeA-AP"])
    # streams: neural 0..4, ADC of the board (source 0) = "5", SYNC streams by id
    streams = [{"name": n, "id": str(i)} for i, n in enumerate(names)]
    streams.append({"name": names[0] + "_ADC", "id": "5"})
    streams += [{"name": names[2] + "SYNC", "id": names[2] + "SYNC"},
                {"name": names[4] + "SYNC", "id": names[4] + "SYNC"}]
    segs = []
    for si in range(3):
        sigs = []
        parts = [(names[0], "Acquisition_Board-100.Rhythm Data", "Record Node 101", slice(0, 3)),
                 (names[1], "NI-DAQmx-102.PXIe-6341", "Record Node 101", slice(None)),
                 (names[2], "Neuropix-PXI-104.ProbeA-AP", "Record Node 101", slice(0, 4)),
                 (names[3], "Neuropix-PXI-104.ProbeA-LFP", "Record Node 101", slice(None)),
                 (names[4], "Neuropix-PXI-104.ProbeA-AP", "Record Node 102", slice(0, 4)),
                 (names[0], "Acquisition_Board-100.Rhythm Data", "Record Node 101", slice(3, 5)),
                 (names[2], "Neuropix-PXI-104.ProbeA-AP", "Record Node 101", slice(4, 5)),
                 (names[4], "Neuropix-PXI-104.ProbeA-AP", "Record Node 102", slice(4, 5))]
        lo, hi = [], []
        for _, folder, node, cols in parts:
            data, f0, rate, _ = seg_truth[(si, node, folder)]
            sigs.append(sig_truth(data[:, cols], f0 / rate))
            lo.append(f0 / rate)
            hi.append(f0 / rate + data.shape[0] / rate)
        ttl = seg_truth[(si, "ttl")]
        # event channels in neo's order: "<node>#<top folder>"
        msgs = {node: ev_truth(seg_truth[(si, node, "msg")][0] / 30000.0,
                               seg_truth[(si, node, "msg")][1])
                for node in ["Record Node 101", "Record Node 102"]}
        events = [
            msgs["Record Node 101"],
            ev_truth([], [], []),
            ev_truth([p[0] / 30000.0 for p in ttl], [str(p[2]) for p in ttl],
                     [p[1] / 30000.0 for p in ttl]),
            msgs["Record Node 102"],
        ]
        spikes = []
        for name in ["Stereotrode 1", "Stereotrode 2"]:
            ssn, cl, wf, e = seg_truth[(si, name)]
            for c in [0, 3]:
                m = cl == c
                order = np.argsort(ssn[m], kind="stable")
                spikes.append(sp_truth(np.sort(ssn[m]) / 30000.0, (int(m.sum()), 2, 10),
                                       wf[m][order].astype(np.int64).sum()))
            lo.append(ssn.min() / 30000.0)
            hi.append(ssn.max() / 30000.0)
        for t in ttl:
            lo.append(t[0] / 30000.0)
        segs.append({"t_start": min(lo), "t_stop": max(hi), "signals": sigs, "events": events,
                     "spikes": spikes})
    return {"nb_block": 2, "nb_segment": [2, 1], "signal_streams": streams, "segments": segs}


def binary_gui05():
    root = os.path.join(BIN, "gui05_two_nodes")
    fresh(root)
    segs = []
    rate = 40000.0
    for ri, rec in enumerate(["recording1", "recording2"]):
        sigs, events = [], []
        for node in ["RecordNode103", "RecordNode105"]:
            rd = os.path.join(root, node, "experiment1", rec)
            first = 181888 + ri * 627328
            data = signal(400, 3)
            sync = (lambda sn: np.full(len(sn), -1.0)) if node.endswith("103") else (
                lambda sn: sn / rate * 0.99999 + 1.5)
            write_stream(rd, "File_Reader-100.0", data, first, rate, sync=sync, v06=False)
            sigs.append(sig_truth(data, first / rate))
            d = os.path.join(rd, "events", "Message_Center-904.0", "TEXT_group_1")
            tsn = np.array([first + 3], dtype=np.int64)
            npy(os.path.join(d, "timestamps.npy"), tsn)
            npy(os.path.join(d, "channels.npy"), np.zeros(1, dtype=np.uint16))
            npy(os.path.join(d, "text.npy"), np.array([b"hello gui 0.5"], dtype="S513"))
            d = os.path.join(rd, "events", "File_Reader-100.0", "TTL_1")
            e_sn = np.array([first + 10, first + 20, first + 30, first + 50], dtype=np.int64)
            chans = np.array([2, 2, 4, 4], dtype=np.int16)
            cs = np.array([3, -3, 5, -5], dtype=np.int16)
            npy(os.path.join(d, "timestamps.npy"), e_sn)
            npy(os.path.join(d, "channels.npy"), chans)
            npy(os.path.join(d, "channel_states.npy"), cs)
            npy(os.path.join(d, "full_words.npy"), np.array([4, 0, 16, 0], dtype=np.uint64))
            events.append(ev_truth([(first + 10) / rate, (first + 30) / rate], ["2", "4"],
                                   [10 / rate, 20 / rate]))
            events.append(ev_truth(tsn / rate, ["hello gui 0.5"]))
            oebin = {"GUI version": "0.5.0",
                     "continuous": [{"folder_name": "File_Reader-100.0/", "sample_rate": 40000,
                                     "source_processor_name": "File Reader",
                                     "source_processor_id": 100, "source_processor_sub_idx": 0,
                                     "recorded_processor": "Record Node",
                                     "recorded_processor_id": int(node[-3:]), "num_channels": 3,
                                     "channels": chan_entries(["CH0", "CH1", "CH2"],
                                                              0.05000000074505806, "uV")}],
                     "events": [{"folder_name": "File_Reader-100.0/TTL_1/",
                                 "channel_name": "File Reader TTL", "sample_rate": 40000,
                                 "type": "int16", "num_channels": 8},
                                {"folder_name": "Message_Center-904.0/TEXT_group_1/",
                                 "channel_name": "GUI Messages", "sample_rate": 40000,
                                 "type": "string", "num_channels": 1}],
                     "spikes": []}
            with open(os.path.join(rd, "structure.oebin"), "w") as f:
                json.dump(oebin, f, indent=2)
        # event channel order: neo keys sorted: node103 File_Reader, node103 Message, node105...
        segs.append({"t_start": (181888 + ri * 627328) / rate, "signals": sigs,
                     "events": [events[0], events[1], events[2], events[3]]})
    return {"nb_block": 1, "nb_segment": [2],
            "signal_streams": [{"name": "RecordNode103#File_Reader-100.0", "id": "0"},
                               {"name": "RecordNode105#File_Reader-100.0", "id": "1"}],
            "segments": segs}


def structured_metadata(path, color, port, address, n):
    dt = np.dtype([("Color", "S16", (1,)), ("Port", "<i4", (1,)), ("Address", "S16", (1,))])
    a = np.zeros(n, dtype=dt)
    a["Color"] = color
    a["Port"] = port
    a["Address"] = address
    npy(path, a)


def binary_gui04():
    root = os.path.join(BIN, "gui04_no_node")
    fresh(root)
    rd = os.path.join(root, "experiment1", "recording1")
    rate = 30000.0
    first = 326315008
    data = signal(300, 5)
    write_stream(rd, "Rhythm_FPGA-100.0", data, first, rate, v06=False)
    d = os.path.join(rd, "spikes", "Spike_Viewer-125_124.0", "spike_group_1")
    n_sp = 9
    ssn = first + np.sort(RNG.choice(300, n_sp, replace=False)).astype(np.int64)
    el = np.array([1, 2, 1, 1, 2, 2, 1, 2, 1], dtype=np.uint16)
    cl = np.zeros(n_sp, dtype=np.uint16)
    wf = RNG.integers(-200, 200, size=(n_sp, 4, 8)).astype(np.int16)
    npy(os.path.join(d, "spike_times.npy"), ssn)
    npy(os.path.join(d, "spike_electrode_indices.npy"), el)
    npy(os.path.join(d, "spike_clusters.npy"), cl)
    npy(os.path.join(d, "spike_waveforms.npy"), wf)
    events = []
    ev_truths = {}
    for g, (color, port) in enumerate([(b"green", 27021), (b"red", 27020)], start=1):
        d = os.path.join(rd, "events", "Tracking_Port-127.0", f"BINARY_group_{g}")
        tsn = first + np.array([5, 50, 95], dtype=np.int64) + g
        npy(os.path.join(d, "timestamps.npy"), tsn)
        npy(os.path.join(d, "channels.npy"), np.zeros(3, dtype=np.uint16))
        npy(os.path.join(d, "data_array.npy"), np.zeros((3, 16), dtype=np.uint8))
        structured_metadata(os.path.join(d, "metadata.npy"), color, port, b"/" + color, 3)
        label = f"Color=[{color!r}];Port=[{port}];Address=[{(b'/' + color)!r}]"
        ev_truths[g] = ev_truth(tsn / rate, [label] * 3)
        events.append({"folder_name": f"Tracking_Port-127.0/BINARY_group_{g}/",
                       "channel_name": "Tracking data", "sample_rate": 30000, "type": "uint8",
                       "num_channels": 1})
    d = os.path.join(rd, "events", "Message_Center-904.0", "TEXT_group_1")
    npy(os.path.join(d, "timestamps.npy"), np.zeros(0, dtype=np.int64))
    npy(os.path.join(d, "channels.npy"), np.zeros(0, dtype=np.uint16))
    npy(os.path.join(d, "text.npy"), np.zeros(0, dtype="S513"))
    events.append({"folder_name": "Message_Center-904.0/TEXT_group_1/",
                   "channel_name": "GUI Messages", "sample_rate": 30000, "type": "string"})
    names = ["CH1", "CH2", "CH3", "CH4", "ADC1"]
    oebin = {"GUI version": "0.4.4.1",
             "continuous": [{"folder_name": "Rhythm_FPGA-100.0/", "sample_rate": 30000,
                             "source_processor_name": "Rhythm FPGA", "source_processor_id": 100,
                             "num_channels": 5,
                             "channels": chan_entries(names[:4], 0.19499999284744263, "uV")
                             + chan_entries(names[4:], 0.0003741455078125, "")}],
             "events": events,
             "spikes": [{"folder_name": "Spike_Viewer-125_124.0/spike_group_1/",
                         "sample_rate": 30000, "source_processor": "Spike Detector",
                         "num_channels": 8, "pre_peak_samples": 2, "post_peak_samples": 6,
                         "channels": [{"channel_name": "TT  p124.0 n0"},
                                      {"channel_name": "TT  p124.0 n1"}]}]}
    with open(os.path.join(rd, "structure.oebin"), "w") as f:
        json.dump(oebin, f, indent=2)
    spikes = []
    for e in [1, 2]:
        m = el == e
        spikes.append(sp_truth(ssn[m] / rate, (int(m.sum()), 4, 8), wf[m].astype(np.int64).sum()))
    return {"nb_block": 1, "nb_segment": [1],
            "signal_streams": [{"name": "Rhythm_FPGA-100.0", "id": "0"},
                               {"name": "Rhythm_FPGA-100.0_ADC", "id": "1"}],
            "segments": [{"t_start": first / rate,
                          "signals": [sig_truth(data[:, :4], first / rate),
                                      sig_truth(data[:, 4:], first / rate)],
                          "events": [ev_truth([], []), ev_truths[1], ev_truths[2]],
                          "spikes": spikes}]}


def binary_twelve():
    root = os.path.join(BIN, "twelve_streams")
    fresh(root)
    rd = os.path.join(root, "Record Node 101", "experiment1", "recording1")
    cont, sigs, streams = [], [], []
    names = [f"Source-{i:03d}.S{i}" for i in range(12)]
    for i, folder in enumerate(names):
        first = 1000 * (i + 1)
        data = signal(20, 2)
        write_stream(rd, folder, data, first, 1000.0)
        cont.append({"folder_name": folder + "/", "sample_rate": 1000.0, "num_channels": 2,
                     "channels": chan_entries(["CH1", "CH2"], 0.195)})
        sigs.append(sig_truth(data, first / 1000.0))
        streams.append({"name": f"Record Node 101#{folder}", "id": str(i)})
    with open(os.path.join(rd, "structure.oebin"), "w") as f:
        json.dump({"GUI version": "0.6.7", "continuous": cont, "events": [], "spikes": []}, f,
                  indent=2)
    return {"nb_block": 1, "nb_segment": [1], "signal_streams": streams,
            "segments": [{"t_start": 1.0, "signals": sigs}]}


# ---------------------------------------------------------------------------------------------
# legacy format

MARKER = bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 255])


def legacy_header(kind, version, channel, rate, bit_volts, extra="", size=1024):
    h = ("header.format = 'Open Ephys Data Format'; \n"
         f"header.version = {version}; \n"
         "header.header_bytes = 1024;\n"
         f"header.description = '{kind} file';\n"
         "header.date_created = '15-Jun-2026 101500';\n"
         f"header.channel = '{channel}';\n"
         f"header.channelType = '{kind}';\n")
    if rate is not None:
        h += f"header.sampleRate = {rate};\n"
    else:
        h += ";\n"
    h += "header.blockLength = 1024;\nheader.bufferSize = 1024;\n"
    if bit_volts is not None:
        h += f"header.bitVolts = {bit_volts};\n"
    h += extra
    b = h.encode()
    assert len(b) <= size
    return b + b" " * (size - len(b))


def continuous_record(ts, rec, samples):
    return (np.int64(ts).tobytes() + np.uint16(1024).tobytes() + np.uint16(rec).tobytes()
            + samples.astype(">i2").tobytes() + MARKER)


def write_continuous(path, channel, rate, bit_volts, records, version="0.4", header_size=1024,
                     damage=()):
    """records: list of (ts, rec_num, samples[1024]). damage: record indexes missing one byte."""
    with open(path, "wb") as f:
        f.write(legacy_header("Continuous", version, channel, rate, bit_volts, size=header_size))
        for i, (ts, rec, s) in enumerate(records):
            b = continuous_record(ts, rec, s)
            if i in damage:
                b = b[:700] + b[701:]
            f.write(b)


def event_record(ts, etype, proc, state, chan, rec=0):
    return (np.int64(ts).tobytes() + np.int16(0).tobytes()
            + bytes([etype, proc, state, chan]) + np.uint16(rec).tobytes())


def spike_record(ts, sorted_id, n_ch, wf, gain=20000.0, electrode=0):
    b = bytes([4]) + np.int64(ts).tobytes() + np.int64(0).tobytes() + np.uint16(100).tobytes()
    b += np.uint16(n_ch).tobytes() + np.uint16(wf.shape[1]).tobytes()
    b += np.uint16(sorted_id).tobytes() + np.uint16(electrode).tobytes() + np.uint16(0).tobytes()
    b += bytes([0, 0, 0]) + np.float32(0).tobytes() * 2 + np.uint16(30000).tobytes()
    b += wf.astype("<u2").tobytes()
    b += np.array([gain] * n_ch, dtype="<f4").tobytes()
    b += np.array([100] * n_ch, dtype="<u2").tobytes() + np.uint16(0).tobytes()
    assert len(b) == 44 + 2 * n_ch * wf.shape[1] + 6 * n_ch
    return b


def write_spikes(path, n_ch, rate, spikes, version="0.4", electrode="SE"):
    with open(path, "wb") as f:
        f.write(legacy_header("Spike", version, electrode, rate, None,
                              extra=f"header.electrode = '{electrode}';\nheader.num_channels = {n_ch};\n"))
        for ts, sid, wf in spikes:
            f.write(spike_record(ts, sid, n_ch, wf))


def legacy_signal(n_records, n_ch):
    return signal(n_records * 1024, n_ch)


def legacy_gui04():
    root = os.path.join(LEG, "gui04")
    fresh(root)
    rate = 30000
    segs = []
    chans = [("CH1", 0.195), ("CH2", 0.195), ("CH3", 0.195), ("CH4", 0.195), ("AUX1", 0.0000374),
             ("ADC1", 0.00015)]
    for start, (first, n_rec) in enumerate([(123904, 3), (5000, 2)], start=1):
        suffix = "" if start == 1 else f"_{start}"
        data = legacy_signal(n_rec, len(chans))
        for c, (name, bv) in enumerate(chans):
            recs = [(first + k * 1024, 0, data[k * 1024:(k + 1) * 1024, c]) for k in range(n_rec)]
            write_continuous(os.path.join(root, f"100_{name}{suffix}.continuous"), name, rate, bv,
                             recs)
        ev = [(first + 100, 3, 100, 1, 0), (first + 150, 3, 100, 0, 0),
              (first + 2000, 3, 100, 1, 2), (first + 2100, 3, 100, 0, 2)]
        with open(os.path.join(root, f"all_channels{suffix}.events"), "wb") as f:
            f.write(legacy_header("Event", "0.4", "Events", rate, 1))
            for e in ev:
                f.write(event_record(*e))
        sp_truth_seg = []
        for base, n_ch, ids in [("SEp100.0n0", 1, [0, 2]), ("STp100.0n1", 2, [0])]:
            spikes = []
            for k in range(6):
                ts = first + 37 + k * 211
                wf = RNG.integers(32000, 33500, size=(n_ch, 40))
                spikes.append((ts, ids[k % len(ids)], wf))
            write_spikes(os.path.join(root, f"{base}{suffix}.spikes"), n_ch, rate, spikes)
            for sid in ids:
                sel = [s for s in spikes if s[1] == sid]
                sp_truth_seg.append(sp_truth([s[0] / rate for s in sel], (len(sel), n_ch, 40),
                                             sum(int(s[2].sum()) for s in sel)))
        t_stop = max(first + n_rec * 1024, max(e[0] for e in ev)) / rate
        segs.append({"t_start": first / rate, "t_stop": t_stop,
                     "signals": [sig_truth(data[:, :4], first / rate),
                                 sig_truth(data[:, 5:6], first / rate),
                                 sig_truth(data[:, 4:5], first / rate)],
                     "spikes": sp_truth_seg,
                     "events": [ev_truth([e[0] / rate for e in ev],
                                         [f"{e[1]}#{e[2]}#{e[4]}" for e in ev])]})
    return {"nb_block": 1, "nb_segment": [2],
            "signal_streams": [{"name": "Signals CH", "id": "CH"},
                               {"name": "Signals ADC", "id": "ADC"},
                               {"name": "Signals AUX", "id": "AUX"}],
            "segments": segs}


def legacy_gui06():
    root = os.path.join(LEG, "gui06_nodes")
    fresh(root)
    rate = 40000
    first = 251635
    out = {"nb_block": 1, "nb_segment": [1], "signal_streams": [], "segments": []}
    sigs, events, spikes = [], [], []
    for node, n_ch in [("Record Node 101", 3), ("Record Node 102", 2)]:
        d = os.path.join(root, node)
        os.makedirs(d)
        data = legacy_signal(2, n_ch)
        for c in range(n_ch):
            recs = [(first + k * 1024, 0, data[k * 1024:(k + 1) * 1024, c]) for k in range(2)]
            write_continuous(os.path.join(d, f"100_example-data_CH{c + 1}.continuous"),
                             f"CH{c + 1}", rate, 0.05, recs, version="0.6")
        sigs.append(sig_truth(data, first / rate))
        ev = [(first, 3, 108, 1, 0), (first + 853, 3, 108, 0, 0)]
        with open(os.path.join(d, "100_example-data.events"), "wb") as f:
            f.write(legacy_header("Event", "0.6", "Events", None, None))
            for e in ev:
                f.write(event_record(*e))
        with open(os.path.join(d, "messages.events"), "w") as f:
            f.write(f"{first}, Start Time for File Reader (100) - example_data @ 40000 Hz\n")
        events.append(ev_truth([e[0] / rate for e in ev], [f"{e[1]}#{e[2]}#{e[4]}" for e in ev]))
        out["signal_streams"].append({"name": f"{node}#Signals CH", "id": f"{node}#CH"})
        if node.endswith("101"):
            sp = [(212313 + 97 * k, 0, RNG.integers(32000, 33000, size=(2, 40))) for k in range(3)]
            write_spikes(os.path.join(d, "Stereotrode1_example-data.spikes"), 2, rate, sp,
                         version="0.6", electrode="Stereotrode 1")
            spikes.append(sp_truth([s[0] / rate for s in sp], (3, 2, 40),
                                   sum(int(s[2].sum()) for s in sp)))
    out["segments"].append({"t_start": 212313 / rate, "t_stop": (first + 2048) / rate,
                            "signals": sigs, "events": events, "spikes": spikes})
    return out


def legacy_bare():
    root = os.path.join(LEG, "bare_numbers")
    fresh(root)
    rate = 30000
    segs = []
    for start, first in [(1, 0), (2, 70000)]:
        suffix = "" if start == 1 else f"_{start}"
        data = legacy_signal(1, 2)
        for c, num in enumerate([1, 17]):
            write_continuous(os.path.join(root, f"106_{num}{suffix}.continuous"), str(num), rate,
                             0.195, [(first, 0, data[:, c])], version="0.4")
        segs.append({"t_start": first / rate, "signals": [sig_truth(data, first / rate)]})
    return {"nb_block": 1, "nb_segment": [2],
            "signal_streams": [{"name": "Signals CH", "id": "CH"}], "segments": segs}


def legacy_damaged():
    root = os.path.join(LEG, "damaged")
    fresh(root)
    rate = 30000
    first = 4096
    n_rec = 6
    data = legacy_signal(n_rec, 3)
    expected = data.copy()
    # CH1: a gap (record 2 missing) and a change of recording number after it
    recs1 = [(first + k * 1024, 0 if k < 3 else 1, data[k * 1024:(k + 1) * 1024, 0])
             for k in range(n_rec) if k != 2]
    expected[2 * 1024:3 * 1024, 0] = 0
    write_continuous(os.path.join(root, "100_CH1.continuous"), "CH1", rate, 0.195, recs1,
                     header_size=1021)
    # CH2: record 3 loses one byte: skipped, its samples read as the fill value
    recs2 = [(first + k * 1024, 0, data[k * 1024:(k + 1) * 1024, 1]) for k in range(n_rec)]
    expected[3 * 1024:4 * 1024, 1] = 0
    write_continuous(os.path.join(root, "100_CH2.continuous"), "CH2", rate, 0.195, recs2,
                     damage=(3,))
    # CH3: shorter (no last record): the others are read to the common length
    recs3 = [(first + k * 1024, 0, data[k * 1024:(k + 1) * 1024, 2]) for k in range(n_rec - 1)]
    write_continuous(os.path.join(root, "100_CH3.continuous"), "CH3", rate, 0.195, recs3)
    n = (n_rec - 1) * 1024
    return {"nb_block": 1, "nb_segment": [1],
            "signal_streams": [{"name": "Signals CH", "id": "CH"}],
            "segments": [{"t_start": first / rate, "t_stop": (first + n) / rate,
                          "signals": [sig_truth(expected[:n], first / rate)]}]}


def main():
    truths = {}
    st = binary_gui06()
    truths[("binary", "gui06_multinode")] = binary_gui06_truth(st)
    truths[("binary", "gui05_two_nodes")] = binary_gui05()
    truths[("binary", "gui04_no_node")] = binary_gui04()
    truths[("binary", "twelve_streams")] = binary_twelve()
    truths[("legacy", "gui04")] = legacy_gui04()
    truths[("legacy", "gui06_nodes")] = legacy_gui06()
    truths[("legacy", "bare_numbers")] = legacy_bare()
    truths[("legacy", "damaged")] = legacy_damaged()
    for (kind, name), t in truths.items():
        t["schema"] = "rawio-dump/1"
        t["format"] = f"openephys-{kind}"
        base = BIN if kind == "binary" else LEG
        write_json(os.path.join(base, "golden", f"{name}.truth.json"), t)


if __name__ == "__main__":
    main()
