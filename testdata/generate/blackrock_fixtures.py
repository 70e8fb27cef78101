#!/usr/bin/env python3
"""Seeded generator of small Blackrock NSx/NEV fixtures (and their ground truth) for
rawio-blackrock.

    python3 testdata/generate/blackrock_fixtures.py [OUT_DIR]    # default: testdata/blackrock

Pure Python (struct + random), deterministic. Every fixture is a stem; its files are:

  v23_paused.ns2/.ns5/.nev  spec 2.3, two sampling groups (1 kHz, 4 ch; 30 kHz, 2 ch) with one
                            recording pause; a label with bytes after its NUL; a channel with a
                            non-zero offset; the 30 kHz group starts 10 ticks after the 1 kHz
                            one; NEV with 16-bit waveforms (spike width 10 at the end
                            of 48-byte packets), units 0/1/2/255, digital, serial and Latin-1
                            comment events in both segments.
  v23_split.ns5             spec 2.3, five data blocks: three that continue each other exactly,
                            a pause, two more that continue each other -> two segments.
  v23_pause_packets.ns2/.nev spec 2.3, a pause with NEV packets inside it (nearer either edge),
                            before the first and after the last sample.
  v30_paused.ns6/.nev       spec 3.0 (BRSMPGRP/BREVENTS, u64 timestamps beyond 2**32) with a
                            pause; spikes, digital events and a comment in both segments.
  v22_8bit.ns3/.nev         spec 2.2, 8-bit waveforms (flags bit 0 clear, 1 byte per sample),
                            analog-input and periodic events, spikes on an electrode without a
                            NEUEVWAV header.
  v21.ns2/.nev              spec 2.1 (NEURALSG, no timestamps; gains from the NEV digitization
                            factors, one of them the 21516 Cerebus bug), NEV 2.1.
  ptp.ns2/.ns6/.nev         spec 3.0 PTP (one packet per sample, nanoseconds since the epoch):
                            jitter, one dropped sample, a 20 ms gap; NEV 3.0 with ns timestamps.
  partial.nev               NEV-only spec 2.3 with a trailing partial packet.
  utf16.nev                 NEV-only spec 3.0 with UTF-16 and Latin-1 comments.
  truncated.ns5             spec 2.3 whose last data block declares more samples than present.
  zerocount.ns5             spec 2.3 whose only block declares 0 samples (Central 6.01 bug).
  unequal.ns2/.ns5          ns5 has a pause that ns2 does not have.
  v23_tiny_first.ns5        spec 2.3, a one-sample first block, a pause, then 50 samples.

and golden/<stem>.truth.json: what a correct reader returns (the rawio-dump/1 contract, --full),
built from the generated values and the segment each packet was placed in, never from a reader.
"""
import json
import os
import random
import struct
import sys

RES = 30000


def cstr(s, n):
    b = s if isinstance(s, bytes) else s.encode("latin-1")
    assert len(b) <= n
    return b + b"\0" * (n - len(b))


# ---------------------------------------------------------------- NSx writers

def nsx_ext(e, label, conn=1, pin=1, d=(-32767, 32767), a=(-5000, 5000), units="uV",
            hi=(250, 4, 1), lo=(7500000, 3, 1)):
    return struct.pack("<2sH16sBBhhhh16sIIHIIH", b"CC", e, cstr(label, 16), conn, pin,
                       d[0], d[1], a[0], a[1], cstr(units, 16), hi[0], hi[1], hi[2],
                       lo[0], lo[1], lo[2])


def nsx_basic(spec, period, res, n_ch, label="1 kS/s"):
    fid = b"BRSMPGRP" if spec[0] == 3 else b"NEURALCD"
    return struct.pack("<8sBBI16s256sII8HI", fid, spec[0], spec[1], 314 + 66 * n_ch,
                       cstr(label, 16), cstr("rawio fixture", 256), period, res,
                       2024, 5, 2, 14, 9, 30, 0, 250, n_ch)


def nsx_file(path, spec, period, res, chans, blocks, tail=b""):
    """blocks: list of (flag, timestamp, declared_n, rows)"""
    out = bytearray(nsx_basic(spec, period, res, len(chans)))
    for c in chans:
        out += nsx_ext(**c)
    for flag, ts, n, rows in blocks:
        out += struct.pack("<BQI" if spec[0] == 3 else "<BII", flag, ts, n)
        for r in rows:
            out += struct.pack(f"<{len(r)}h", *r)
    out += tail
    open(path, "wb").write(out)


def nsx_v21(path, period, ids, rows, label="1 kS/s"):
    out = bytearray(struct.pack("<8s16sII", b"NEURALSG", cstr(label, 16), period, len(ids)))
    out += struct.pack(f"<{len(ids)}I", *ids)
    for r in rows:
        out += struct.pack(f"<{len(r)}h", *r)
    open(path, "wb").write(out)


def nsx_ptp(path, period, chans, packets):
    out = bytearray(nsx_basic((3, 0), period, 1_000_000_000, len(chans)))
    for c in chans:
        out += nsx_ext(**c)
    for ts, r in packets:
        out += struct.pack("<BQI", 1, ts, 1) + struct.pack(f"<{len(r)}h", *r)
    open(path, "wb").write(out)


# ---------------------------------------------------------------- NEV writers

def nev_file(path, spec, flags, psize, res, ext, packets, tail=b""):
    fid = b"BREVENTS" if spec[0] == 3 else b"NEURALEV"
    out = bytearray(struct.pack("<8sBBHIIII8H32s256sI", fid, spec[0], spec[1], flags,
                                336 + 32 * len(ext), psize, res, 30000,
                                2024, 5, 2, 14, 9, 30, 0, 250, cstr("rawio fixture", 32),
                                cstr("generated", 256), len(ext)))
    for e in ext:
        assert len(e) == 32
        out += e
    for p in packets:
        assert len(p) <= psize, (len(p), psize)
        out += p + bytes((7 * i) % 251 for i in range(psize - len(p)))
    out += tail
    open(path, "wb").write(out)


def wav_hdr(e, dig, nbytes, width, v21=False):
    return struct.pack("<8sHBBHHhhBBH8s", b"NEUEVWAV", e, 1, e % 32 + 1, dig, 0, 0, -255, 2,
                       nbytes, 0 if v21 else width, b"")


def lbl_hdr(e, label):
    return struct.pack("<8sH16s6s", b"NEUEVLBL", e, cstr(label, 16), b"")


def flt_hdr(e):
    return struct.pack("<8sHIIHIIH2s", b"NEUEVFLT", e, 250000, 4, 1, 7500000, 3, 1, b"")


def dig_hdr(label, mode):
    return struct.pack("<8s16sB7s", b"DIGLABEL", cstr(label, 16), mode, b"")


def text_hdr(kind, text):
    return struct.pack("<8s24s", cstr(kind, 8), cstr(text, 24))


def ts_pack(spec, ts):
    return struct.pack("<Q" if spec[0] == 3 else "<I", ts)


def spike_pkt(spec, psize, ts, e, unit, wf, fmt):
    """The waveform occupies the last len(wf) * size bytes; the bytes before it are filler."""
    head = ts_pack(spec, ts) + struct.pack("<HBB", e, unit, 0)
    body = struct.pack(f"<{len(wf)}{fmt}", *wf)
    fill = bytes(0x5A for _ in range(psize - len(head) - len(body)))
    return head + fill + body


def add_spikes(t, rng, packets, spec, psize, seg, unit_index, n, span, lim, fmt="h"):
    """n spikes of unit `unit_index` at random times in `span`, random waveforms in `lim`."""
    e, cls = t.units[unit_index]["key"]
    width = t.units[unit_index]["wf_width"]
    for _ in range(n):
        ts = rng.randint(*span)
        wf = [rng.randint(*lim) for _ in range(width or (psize - 8))]
        packets.append((ts, spike_pkt(spec, psize, ts, e, cls, wf, fmt)))
        t.spike(seg, unit_index, ts, wf if width else None)


def digital_pkt(spec, ts, reason, value, analog=None):
    p = ts_pack(spec, ts) + struct.pack("<HBBH", 0, reason, 0, value)
    if analog is not None:
        p += struct.pack("<5h", *analog)
    return p


def comment_pkt(spec, ts, charset, text, flag=0, color=0x00FF00FF):
    return ts_pack(spec, ts) + struct.pack("<HBBI", 0xFFFF, charset, flag, color) + text


# ---------------------------------------------------------------- truth

class Truth:
    """What the dump of a correct reader contains, built from the generated values."""

    def __init__(self):
        self.streams = []   # dicts: id, chans (list of signal channel dicts), rate, period
        self.segments = []  # dicts: parts[stream] = (t_start, t_stop, rows) | None
        self.units = []     # spike channel dicts + "key"
        self.events = []    # event channel names
        self.nev_res = None
        self.spikes = {}    # (seg, unit) -> list of (ts, wf)
        self.evts = {}      # (seg, ev) -> list of (ts, label)

    def stream(self, number, chans, period):
        rate = 30000.0 / period
        sid = str(number)
        for c in chans:
            c.update(sampling_rate=rate, dtype="int16", stream_id=sid, buffer_id=sid)
        self.streams.append({"name": f"nsx{number}", "id": sid, "buffer_id": sid,
                             "chans": chans, "rate": rate, "period": period})

    def segment(self, parts):
        self.segments.append({"parts": parts})

    def spike(self, seg, unit, ts, wf):
        self.spikes.setdefault((seg, unit), []).append((ts, wf))

    def event(self, seg, ev, ts, label):
        self.evts.setdefault((seg, ev), []).append((ts, label))

    def dump(self, stem):
        segs = []
        for s, seg in enumerate(self.segments):
            lo, hi = [], []
            signals = []
            for k, st in enumerate(self.streams):
                part = seg["parts"][k]
                if part is None:
                    signals.append(None)
                    continue
                t0, t1, rows = part
                lo.append(t0)
                hi.append(t1)
                n = len(rows)
                sums = [float(sum(r[c] for r in rows)) for c in range(len(st["chans"]))]
                signals.append({"stream_index": k, "t_start": t0, "size": n,
                                "head": [list(r) for r in rows[:3]],
                                "tail": [list(r) for r in rows[-3:]] if n else [],
                                "sum": sums})
            spikes = []
            for u in range(len(self.units)):
                items = sorted(self.spikes.get((s, u), []), key=lambda x: x[0])
                times = [t / self.nev_res for t, _ in items]
                if times:
                    lo.append(times[0])
                    hi.append(times[-1])
                wf = [w for _, w in items]
                width = self.units[u]["wf_width"]
                spikes.append({"unit_index": u, "count": len(items), "head_s": times[:5],
                               "tail_s": times[-5:], "times_s": times,
                               "waveform_shape": None if width is None else [len(items), 1, width],
                               "waveform_sum": None if width is None else float(sum(sum(w) for w in wf))})
            events = []
            for e in range(len(self.events)):
                items = self.evts.get((s, e), [])
                times = [t / self.nev_res for t, _ in items]
                lo.extend(times)
                hi.extend(times)
                labels = [l for _, l in items]
                events.append({"event_index": e, "count": len(items), "head_s": times[:5],
                               "tail_s": times[-5:], "head_durations_s": None,
                               "head_labels": labels[:5], "tail_labels": labels[-5:],
                               "times_s": times, "durations_s": None, "labels": labels})
            t_start, t_stop = min(lo), max(hi)
            for k, sig in enumerate(signals):
                if sig is None:
                    signals[k] = {"stream_index": k, "t_start": t_start, "size": 0, "head": [],
                                  "tail": [], "sum": [0.0] * len(self.streams[k]["chans"])}
            segs.append({"block": 0, "segment": s, "t_start": t_start, "t_stop": t_stop,
                         "signals": signals, "spikes": spikes, "events": events})
        chans = [c for st in self.streams for c in st["chans"]]
        return {"schema": "rawio-dump/1", "format": "blackrock", "source": stem,
                "nb_block": 1, "nb_segment": [len(segs)],
                "signal_streams": [{k: st[k] for k in ("name", "id", "buffer_id")}
                                   for st in self.streams],
                "signal_channels": [{k: c[k] for k in ("name", "id", "sampling_rate", "dtype",
                                                       "units", "gain", "offset", "stream_id",
                                                       "buffer_id")} for c in chans],
                "spike_channels": [{k: u[k] for k in ("name", "id", "wf_units", "wf_gain",
                                                      "wf_offset", "wf_left_sweep",
                                                      "wf_sampling_rate")} for u in self.units],
                "event_channels": [{"name": n, "id": "", "type": "event"} for n in self.events],
                "segments": segs}


def gain_offset(d, a):
    gain = (float(a[1]) - float(a[0])) / (float(d[1]) - float(d[0]))
    return gain, -float(d[0]) * gain + float(a[0])


def chan(e, label, d=(-32767, 32767), a=(-5000, 5000), units="uV", name=None):
    g, o = gain_offset(d, a)
    spec = {"e": e, "label": label, "d": d, "a": a, "units": units}
    truth = {"name": name if name is not None else label.split("\0")[0], "id": str(e),
             "units": units, "gain": g, "offset": o}
    return spec, truth


def rows_of(rng, n, n_ch, scale=3000):
    return [[rng.randint(-scale, scale) for _ in range(n_ch)] for _ in range(n)]


def unit(e, u, dig, width, units="uV"):
    return {"name": f"ch{e}#{u}", "id": f"Unit {1000 * e + u}", "wf_units": units,
            "wf_gain": dig / 1000.0, "wf_offset": 0.0, "wf_left_sweep": 10,
            "wf_sampling_rate": 30000.0, "wf_width": width, "key": (e, u)}


def nsx_stream_truth(t, number, chans, period):
    t.stream(number, [c[1] for c in chans], period)


EV23 = ["digital_input_port", "serial_input_port", "comments"]
EV21 = ["digital_input_port", "serial_input_port"] + \
    [f"analog_input_channel_{k}" for k in range(1, 6)] + ["periodic_sampling_events"]


# ---------------------------------------------------------------- fixtures

def v23_paused(out, rng):
    t = Truth()
    c2 = [chan(129, "EyeX\0junk", units="mV"), chan(130, "EyeY", units="mV"),
          chan(131, "Force", d=(0, 4095), a=(-5000, 5000), units="mV"),
          chan(132, "Sync", d=(-8192, 8192), a=(-1000, 1000))]
    c5 = [chan(1, "chan1", d=(-8191, 8191), a=(-8191, 8191)),
          chan(2, "chan2", d=(-8191, 8191), a=(-8191, 8191))]
    ns2 = [rows_of(rng, 100, 4), rows_of(rng, 50, 4)]
    ns5 = [rows_of(rng, 3000, 2), rows_of(rng, 1500, 2)]
    starts = [300, 120000]
    starts5 = [310, 120010]  # the 30 kHz group starts 10 ticks after the 1 kHz one
    nsx_file(f"{out}/v23_paused.ns2", (2, 3), 30, RES, [c[0] for c in c2],
             [(1, starts[i], len(ns2[i]), ns2[i]) for i in range(2)])
    nsx_file(f"{out}/v23_paused.ns5", (2, 3), 1, RES, [c[0] for c in c5],
             [(1, starts5[i], len(ns5[i]), ns5[i]) for i in range(2)])
    nsx_stream_truth(t, 2, c2, 30)
    nsx_stream_truth(t, 5, c5, 1)
    for i in range(2):
        t0, t5 = starts[i] / RES, starts5[i] / RES
        t.segment([(t0, t0 + len(ns2[i]) / 1000.0, ns2[i]),
                   (t5, t5 + len(ns5[i]) / 30000.0, ns5[i])])
    psize, width = 48, 10
    ext = []
    for e in (1, 2, 3):
        ext += [wav_hdr(e, 250, 2, width), lbl_hdr(e, f"elec{e}"), flt_hdr(e)]
    ext += [dig_hdr("digin", 1), dig_hdr("serial", 0)]
    t.units = [unit(1, 0, 250, width), unit(1, 1, 250, width), unit(2, 2, 250, width),
               unit(2, 255, 250, width), unit(3, 0, 250, width)]
    t.events = EV23
    t.nev_res = RES
    packets = []  # (ts, bytes); written in time order
    spans = [(310, 3280), (120010, 121480)]
    for s, (a, b) in enumerate(spans):
        for u, x in enumerate(t.units):
            if x["key"][0] == 3 and s == 0:
                continue
            add_spikes(t, rng, packets, (2, 3), psize, s, u, rng.randint(2, 6), (a, b),
                       (-500, 500))
        for _ in range(4):
            ts = rng.randint(a, b)
            v = rng.choice([0xFFFD, 0xFFFF, 0xBFFF])
            packets.append((ts, digital_pkt((2, 3), ts, 1, v)))
            t.event(s, 0, ts, str(v))
        ts = rng.randint(a, b)
        packets.append((ts, digital_pkt((2, 3), ts, 129, 65 + s)))
        t.event(s, 1, ts, str(65 + s))
        ts = rng.randint(a, b)
        text = [b"Start\0", b"Ende \xe9"][s]
        packets.append((ts, comment_pkt((2, 3), ts, 0, text)))
        t.event(s, 2, ts, text.split(b"\0")[0].decode("latin-1"))
    packets.sort(key=lambda p: p[0])
    _order_events(t)
    nev_file(f"{out}/v23_paused.nev", (2, 3), 1, psize, RES, ext, [p for _, p in packets])
    return t


def _order_events(t):
    """Events are read in file order (= time order here)."""
    for k in t.evts:
        t.evts[k].sort(key=lambda x: x[0])


def v23_split(out, rng):
    t = Truth()
    c5 = [chan(1, "chan1"), chan(2, "chan2")]
    blocks = [(0, 100), (100, 50), (150, 30), (30000, 40), (30040, 20)]
    rows = [rows_of(rng, n, 2) for _, n in blocks]
    nsx_file(f"{out}/v23_split.ns5", (2, 3), 1, RES, [c[0] for c in c5],
             [(1, ts, n, r) for (ts, n), r in zip(blocks, rows)])
    nsx_stream_truth(t, 5, c5, 1)
    a = rows[0] + rows[1] + rows[2]
    b = rows[3] + rows[4]
    t.segment([(0.0, 0.0 + len(a) / 30000.0, a)])
    t.segment([(30000 / RES, 30000 / RES + len(b) / 30000.0, b)])
    return t


def v23_pause_packets(out, rng):
    t = Truth()
    c2 = [chan(1, "a"), chan(2, "b")]
    r = [rows_of(rng, 40, 2), rows_of(rng, 30, 2)]
    starts = [3000, 60000]
    nsx_file(f"{out}/v23_pause_packets.ns2", (2, 3), 30, RES, [c[0] for c in c2],
             [(1, starts[i], len(r[i]), r[i]) for i in range(2)])
    nsx_stream_truth(t, 2, c2, 30)
    for i in range(2):
        t0 = starts[i] / RES
        t.segment([(t0, t0 + len(r[i]) / 1000.0, r[i])])
    # seg 0 ends at 3000 + 40 * 30 = 4200; seg 1 starts at 60000
    psize, width = 32, 8
    ext = [wav_hdr(1, 250, 2, width)]
    t.units = [unit(1, 0, 250, width)]
    t.events = EV23
    t.nev_res = RES
    placed = [(100, 0), (3500, 0), (4300, 0), (30000, 0), (40000, 1), (59990, 1), (61000, 1),
              (70000, 1)]
    packets = []
    for ts, s in placed:
        wf = [rng.randint(-100, 100) for _ in range(width)]
        packets.append((ts, spike_pkt((2, 3), psize, ts, 1, 0, wf, "h")))
        t.spike(s, 0, ts, wf)
    ts = 4250
    packets.append((ts, digital_pkt((2, 3), ts, 1, 9)))
    t.event(0, 0, ts, "9")
    packets.sort(key=lambda p: p[0])
    nev_file(f"{out}/v23_pause_packets.nev", (2, 3), 1, psize, RES, ext,
             [p for _, p in packets])
    return t


def v30_paused(out, rng):
    t = Truth()
    c6 = [chan(1, "raw1"), chan(2, "raw2")]
    base = (1 << 32) + 1000
    r = [rows_of(rng, 600, 2), rows_of(rng, 300, 2)]
    starts = [base, base + 600 + 150000]
    nsx_file(f"{out}/v30_paused.ns6", (3, 0), 1, RES, [c[0] for c in c6],
             [(1, starts[i], len(r[i]), r[i]) for i in range(2)])
    nsx_stream_truth(t, 6, c6, 1)
    for i in range(2):
        t0 = starts[i] / RES
        t.segment([(t0, t0 + len(r[i]) / 30000.0, r[i])])
    psize, width = 52, 16
    ext = [wav_hdr(1, 250, 2, width), wav_hdr(2, 100, 2, width), lbl_hdr(1, "e1"),
           lbl_hdr(2, "e2"), text_hdr("ARRAYNME", "utah-96"), text_hdr("MAPFILE", "arr.cmp")]
    t.units = [unit(1, 0, 250, width), unit(1, 1, 250, width), unit(2, 0, 100, width)]
    t.events = EV23
    t.nev_res = RES
    packets = []
    for s in range(2):
        a, b = starts[s] + 5, starts[s] + len(r[s]) - 5
        for u in range(len(t.units)):
            add_spikes(t, rng, packets, (3, 0), psize, s, u, rng.randint(2, 4), (a, b),
                       (-900, 900))
        for _ in range(2):
            ts = rng.randint(a, b)
            packets.append((ts, digital_pkt((3, 0), ts, 1, 1000 + s)))
            t.event(s, 0, ts, str(1000 + s))
        ts = rng.randint(a, b)
        packets.append((ts, comment_pkt((3, 0), ts, 0, f"seg {s}".encode())))
        t.event(s, 2, ts, f"seg {s}")
    packets.sort(key=lambda p: p[0])
    _order_events(t)
    nev_file(f"{out}/v30_paused.nev", (3, 0), 1, psize, RES, ext, [p for _, p in packets])
    return t


def v22_8bit(out, rng):
    t = Truth()
    c3 = [chan(1, "c1"), chan(2, "c2"), chan(3, "c3")]
    r = rows_of(rng, 200, 3)
    nsx_file(f"{out}/v22_8bit.ns3", (2, 2), 15, RES, [c[0] for c in c3],
             [(1, 0, len(r), r)])
    nsx_stream_truth(t, 3, c3, 15)
    t.segment([(0.0, len(r) / 2000.0, r)])
    psize = 32
    width = psize - 8  # 2.2: the whole waveform field, one byte per sample
    ext = [wav_hdr(1, 500, 1, 0), wav_hdr(2, 500, 1, 0)]
    t.units = [unit(1, 0, 500, width), unit(2, 1, 500, width),
               {**unit(7, 0, 1000, None), "wf_units": "", "wf_gain": 1.0}]
    t.events = EV21
    t.nev_res = RES
    packets = []
    for u in range(len(t.units)):
        add_spikes(t, rng, packets, (2, 2), psize, 0, u, 3, (10, 2990), (-128, 127), "b")
    # digital (reason 1), analog channels 1 and 3 (bits 1, 3), periodic (bit 6)
    for reason, value, analog in [(1, 5, [0] * 5), (0b1010, 6, [11, -22, 33, -44, 55]),
                                  (64, 7, [1, 2, 3, 4, 5]), (129, 8, [0] * 5)]:
        ts = rng.randint(10, 2990)
        packets.append((ts, digital_pkt((2, 2), ts, reason, value, analog)))
        if reason == 1:
            t.event(0, 0, ts, str(value))
        if reason == 129:
            t.event(0, 1, ts, str(value))
        for k in range(1, 6):
            if reason & (1 << k) and reason != 129:
                t.event(0, 1 + k, ts, str(analog[k - 1]))
        if reason & 64:
            t.event(0, 7, ts, str(value))
    packets.sort(key=lambda p: p[0])
    _order_events(t)
    nev_file(f"{out}/v22_8bit.nev", (2, 2), 0, psize, RES, ext, [p for _, p in packets])
    return t


def v21(out, rng):
    t = Truth()
    ids = [1, 2, 137]
    rows = rows_of(rng, 500, 3, scale=2000)
    nsx_v21(f"{out}/v21.ns2", 30, ids, rows)
    digs = {1: 250, 2: 21516, 137: 1000}
    chans = []
    for e in ids:
        df = 152592.547 if digs[e] == 21516 else float(digs[e])
        g, o = gain_offset((-1000, 1000), (-df, df))
        name = f"chan{e}" if e < 129 else f"ainp{e - 128}"
        chans.append({"name": name, "id": str(e), "units": "uV", "gain": g, "offset": o})
    t.stream(2, chans, 30)
    t.segment([(0.0, len(rows) / 1000.0, rows)])
    psize = 28
    width = (psize - 8) // 2
    ext = [wav_hdr(e, digs[e], 2, 0, v21=True) for e in ids]
    t.units = [unit(1, 0, 250, width), unit(2, 0, 21516, width), unit(2, 3, 21516, width)]
    t.events = EV21
    t.nev_res = RES
    packets = []
    for u in range(len(t.units)):
        add_spikes(t, rng, packets, (2, 1), psize, 0, u, 4, (0, 14990), (-300, 300))
    for v in (65280, 65296):
        ts = rng.randint(0, 14990)
        packets.append((ts, digital_pkt((2, 1), ts, 1, v, [0] * 5)))
        t.event(0, 0, ts, str(v))
    ts = 777
    packets.append((ts, digital_pkt((2, 1), ts, 0b100, 3, [9, 8, 7, 6, 5])))
    t.event(0, 3, ts, "8")
    packets.sort(key=lambda p: p[0])
    _order_events(t)
    nev_file(f"{out}/v21.nev", (2, 1), 1, psize, RES, ext, [p for _, p in packets])
    return t


def ptp(out, rng):
    t = Truth()
    t0 = 1_700_000_000_123_456_789
    period_ns = 1e9 / 30000

    def clock(n, start_ns, per, jitter):
        return [start_ns + round(i * per) + rng.randint(-jitter, jitter) for i in range(n)]

    # ns6: 300 samples, sample 100 dropped, then a 20 ms gap, 150 samples
    a6 = clock(302, t0, period_ns, 40)
    del a6[100:102]
    gap = t0 + 310 * round(period_ns) + 20_000_000
    b6 = clock(150, gap, period_ns, 40)
    r6 = rows_of(rng, len(a6) + len(b6), 2)
    c6 = [chan(1, "raw1"), chan(2, "raw2")]
    nsx_ptp(f"{out}/ptp.ns6", 1, [c[0] for c in c6], list(zip(a6 + b6, r6)))
    # ns2: 1 kHz, 10 samples then 5 after the same gap
    a2 = clock(10, t0 + 200_000, 1e6, 2000)
    b2 = clock(5, gap + 300_000, 1e6, 2000)
    r2 = rows_of(rng, 15, 1)
    c2 = [chan(129, "analog")]
    nsx_ptp(f"{out}/ptp.ns2", 30, [c[0] for c in c2], list(zip(a2 + b2, r2)))
    nsx_stream_truth(t, 2, c2, 30)
    nsx_stream_truth(t, 6, c6, 1)
    n6 = len(a6)
    t.segment([(a2[0] / 1e9, a2[-1] / 1e9 + 30 / 30000, r2[:10]),
               (a6[0] / 1e9, a6[-1] / 1e9 + 1 / 30000, r6[:n6])])
    t.segment([(b2[0] / 1e9, b2[-1] / 1e9 + 30 / 30000, r2[10:]),
               (b6[0] / 1e9, b6[-1] / 1e9 + 1 / 30000, r6[n6:])])
    t.ptp = {"ns6_first_ns": [a6[0], b6[0]], "ns6_times_ns": a6 + b6, "ns2_times_ns": a2 + b2}
    psize, width = 44, 16
    ext = [wav_hdr(1, 250, 2, width)]
    t.units = [unit(1, 0, 250, width)]
    t.events = EV23
    t.nev_res = 1_000_000_000
    packets = []
    for s, (a, b) in enumerate([(a6[5], a6[-5]), (b6[5], b6[-5])]):
        for _ in range(3):
            ts = rng.randint(a, b)
            wf = [rng.randint(-400, 400) for _ in range(width)]
            packets.append((ts, spike_pkt((3, 0), psize, ts, 1, 0, wf, "h")))
            t.spike(s, 0, ts, wf)
        ts = rng.randint(a, b)
        packets.append((ts, digital_pkt((3, 0), ts, 1, 42 + s)))
        t.event(s, 0, ts, str(42 + s))
    packets.sort(key=lambda p: p[0])
    nev_file(f"{out}/ptp.nev", (3, 0), 1, psize, 1_000_000_000, ext, [p for _, p in packets])
    return t


def partial(out, rng):
    t = Truth()
    psize, width = 40, 10
    ext = [wav_hdr(4, 250, 2, width), wav_hdr(9, 250, 2, width)]
    t.units = [unit(4, 0, 250, width), unit(4, 255, 250, width), unit(9, 2, 250, width)]
    t.events = EV23
    t.nev_res = RES
    packets = []
    for u in range(len(t.units)):
        add_spikes(t, rng, packets, (2, 3), psize, 0, u, 5, (1000, 90000), (-200, 200))
    ts = 5000
    packets.append((ts, comment_pkt((2, 3), ts, 0, b"note\0")))
    t.event(0, 2, ts, "note")
    packets.sort(key=lambda p: p[0])
    nev_file(f"{out}/partial.nev", (2, 3), 1, psize, RES, ext, [p for _, p in packets],
             tail=b"\x01\x02\x03\x04\x05\x06\x07")
    t.segment([])
    return t


def utf16(out, rng):
    t = Truth()
    psize = 64
    t.units = []
    t.events = EV23
    t.nev_res = 1_000_000_000
    texts = [(1, "Ωmega start".encode("utf-16-le") + b"\0\0", "Ωmega start"),
             (1, "\ufeffBOM é".encode("utf-16-le") + b"\0\0", "BOM é"),
             (0, b"caf\xe9 Latin-1\0\0", "café Latin-1"),
             (255, b"NeuroMotive\0", "NeuroMotive")]
    packets = []
    for k, (cs, raw, label) in enumerate(texts):
        ts = 1_700_000_000_000_000_000 + k * 1_000_000_000
        packets.append(comment_pkt((3, 0), ts, cs, raw, flag=1, color=ts % 100000))
        t.event(0, 2, ts, label)
    nev_file(f"{out}/utf16.nev", (3, 0), 1, psize, 1_000_000_000, [], packets)
    t.segment([])
    return t


def truncated(out, rng):
    t = Truth()
    c = [chan(1, "x"), chan(2, "y")]
    r = [rows_of(rng, 60, 2), rows_of(rng, 40, 2)]
    nsx_file(f"{out}/truncated.ns5", (2, 3), 1, RES, [x[0] for x in c],
             [(1, 0, 60, r[0]), (1, 9000, 100, r[1])], tail=b"\x01\x02\x03")
    nsx_stream_truth(t, 5, c, 1)
    t.segment([(0.0, 60 / 30000.0, r[0])])
    t.segment([(9000 / RES, 9000 / RES + 40 / 30000.0, r[1])])
    return t


def zerocount(out, rng):
    t = Truth()
    c = [chan(1, "x"), chan(2, "y"), chan(3, "z")]
    r = rows_of(rng, 50, 3)
    nsx_file(f"{out}/zerocount.ns5", (2, 3), 1, RES, [x[0] for x in c],
             [(1, 30, 0, r)])
    nsx_stream_truth(t, 5, c, 1)
    t.segment([(30 / RES, 30 / RES + 50 / 30000.0, r)])
    return t


def v23_tiny_first(out, rng):
    t = Truth()
    c = [chan(1, "x"), chan(2, "y")]
    r = [rows_of(rng, 1, 2), rows_of(rng, 50, 2)]
    nsx_file(f"{out}/v23_tiny_first.ns5", (2, 3), 1, RES, [x[0] for x in c],
             [(1, 0, 1, r[0]), (1, 3000, 50, r[1])])
    nsx_stream_truth(t, 5, c, 1)
    t.segment([(0.0, 1 / 30000.0, r[0])])
    t.segment([(3000 / RES, 3000 / RES + 50 / 30000.0, r[1])])
    return t


def unequal(out, rng):
    t = Truth()
    c2 = [chan(1, "slow")]
    c5 = [chan(2, "fast")]
    r2 = rows_of(rng, 100, 1)           # 0 .. 0.1 s, continuous
    r5 = [rows_of(rng, 900, 1), rows_of(rng, 600, 1)]  # 0..0.03 s, pause, 0.06..0.08 s
    nsx_file(f"{out}/unequal.ns2", (2, 3), 30, RES, [x[0] for x in c2],
             [(1, 0, 100, r2)])
    nsx_file(f"{out}/unequal.ns5", (2, 3), 1, RES, [x[0] for x in c5],
             [(1, 0, 900, r5[0]), (1, 1800, 600, r5[1])])
    nsx_stream_truth(t, 2, c2, 30)
    nsx_stream_truth(t, 5, c5, 1)
    t.segment([(0.0, 100 / 1000.0, r2), (0.0, 900 / 30000.0, r5[0])])
    t.segment([None, (1800 / RES, 1800 / RES + 600 / 30000.0, r5[1])])
    return t


FIXTURES = [v23_paused, v23_split, v23_pause_packets, v30_paused, v22_8bit, v21, ptp,
            partial, utf16, truncated, zerocount, unequal, v23_tiny_first]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "blackrock")
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    for i, fx in enumerate(FIXTURES):
        rng = random.Random(1000 + i)
        t = fx(out, rng)
        if t.nev_res is None:
            t.nev_res = RES
        stem = fx.__name__
        doc = t.dump(stem)
        if hasattr(t, "ptp"):
            doc["ptp_truth"] = t.ptp
        with open(os.path.join(out, "golden", f"{stem}.truth.json"), "w") as f:
            json.dump(doc, f, indent=None, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
