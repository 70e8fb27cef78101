#!/usr/bin/env python3
"""Seeded generator of small Plexon .plx fixtures (and their ground truth) for rawio-plexon.

    python3 testdata/generate/plexon_fixtures.py [OUT_DIR]   # default: testdata/plexon

Pure Python (struct + random), deterministic. Writes, into OUT_DIR:

  v106_mixed.plx      PLX 106: WB (20 kHz), FP (1 kHz) and AI (2 kHz) streams whose channels
                      are cut into blocks of different lengths; a slow header without data;
                      sorted units 1-2 and unsorted unit 0; strobed events; BitsPerSpikeSample
                      16 != BitsPerSlowSample 12; recording starts at tick 400 (not 0).
  v105_gap.plx        PLX 105: a pause in the recording (a gap in every slow channel); the
                      second part starts just before 2**32 ticks and crosses it (40-bit
                      timestamps); one TSCounts entry deliberately wrong.
  v103_stereo.plx     PLX 103: stereotrode waveforms (2 x 24 words), LFP / AIF prefixes,
                      BitsPerSpikeSample 12 != BitsPerSlowSample 16.
  v106_mismatch.plx   PLX 106: two FP channels with different sample counts (must not open).
  v106_empty.plx      PLX 106 without data blocks and ADFrequency = 0 (header counts non-zero).

and golden/<name>.truth.json: what a correct reader must return (signals straight from the
generated samples, with rawio's gains and time model), used where neo 0.14.6 is wrong.
"""
import json
import os
import random
import struct
import sys

MAGIC = 0x58454C50
ADF = 40000


def cstr(s, n):
    b = s.encode()
    return b + b"\0" * (n - len(b))


def global_header(version, ad_freq, n_dsp, n_ev, n_slow, wf_freq, last_ts, bits_spike,
                  bits_slow, spike_mv, slow_mv, preamp, ts_counts, wf_counts, ev_counts,
                  npw=32, trodalness=1):
    b = struct.pack("<Ii128s", MAGIC, version, cstr("rawio fixture", 128))
    b += struct.pack("<iiiiii", ad_freq, n_dsp, n_ev, n_slow, npw, 8)
    b += struct.pack("<iiiiii", 2024, 3, 14, 15, 9, 26)
    b += struct.pack("<iid", 0, wf_freq, float(last_ts))
    b += struct.pack("<BBBBHHH", trodalness, trodalness, bits_spike, bits_slow, spike_mv,
                     slow_mv, preamp)
    b += cstr("rawio-gen" if version >= 106 else "", 18) + cstr("", 18) + b"\0" * 10
    assert len(b) == 256
    b += struct.pack("<650i", *ts_counts) + struct.pack("<650i", *wf_counts)
    b += struct.pack("<512i", *ev_counts)
    assert len(b) == 7504
    return b


def dsp_header(name, channel, gain, n_units):
    b = cstr(name, 32) + cstr("sig" + name[-2:], 32)
    b += struct.pack("<9i", channel, 0, channel, 0, gain, 1, -300, 1, n_units)
    b += b"\0" * (640 + 20 + 4 + 80 + 4)
    b += cstr("dsp comment", 128) + struct.pack("<BBH", 1, 0, channel) + b"\0" * 40
    assert len(b) == 1020
    return b


def event_header(name, channel):
    b = cstr(name, 32) + struct.pack("<i", channel) + cstr("", 128)
    b += struct.pack("<BBH", 2, 0, channel) + b"\0" * 128
    assert len(b) == 296
    return b


def slow_header(name, channel, rate, gain, preamp, enabled=1):
    b = cstr(name, 32) + struct.pack("<6i", channel, rate, gain, enabled, preamp, 0)
    b += cstr("", 128) + struct.pack("<BBH", 3, 0, channel) + b"\0" * 108
    assert len(b) == 296
    return b


def block(kind, ts, channel, unit, nwf, nwords, words=()):
    assert len(words) == nwf * nwords
    b = struct.pack("<HHIHHHH", kind, ts >> 32, ts & 0xFFFFFFFF, channel, unit, nwf, nwords)
    return b + struct.pack(f"<{len(words)}h", *words)


class Recording:
    """Collects channel headers and blocks, then writes a PLX file and its truth."""

    def __init__(self, name, version, rng, bits_spike=16, bits_slow=16, spike_mv=3000,
                 slow_mv=5000, preamp=1000, ad_freq=ADF, wf_freq=40000, npw=32, trodalness=1):
        self.name, self.version, self.rng = name, version, rng
        self.bits_spike, self.bits_slow = bits_spike, bits_slow
        self.spike_mv, self.slow_mv, self.preamp = spike_mv, slow_mv, preamp
        self.ad_freq, self.wf_freq, self.npw, self.trodalness = ad_freq, wf_freq, npw, trodalness
        self.dsp, self.events, self.slow = [], [], []  # headers (dicts)
        self.blocks = []  # (timestamp, seq, bytes)
        self.samples = {}  # slow channel -> list of runs [(start_tick, [samples])]
        self.spikes = {}  # (channel, unit) -> [(ts, words)]
        self.event_data = {}  # channel -> [(ts, label)]
        self.count_errors = {}

    def add_block(self, ts, data):
        self.blocks.append((ts, len(self.blocks), data))

    # ---- slow channels
    def add_slow(self, name, channel, rate, gain, enabled=1):
        self.slow.append(dict(name=name, channel=channel, rate=rate, gain=gain, enabled=enabled))
        self.samples.setdefault(channel, [])

    def slow_run(self, channel, rate, start_tick, n, max_block, wave):
        """n samples from start_tick, cut into random block lengths 1..max_block."""
        tps = ADF // rate
        assert ADF % rate == 0
        data = [wave(i) for i in range(n)]
        self.samples[channel].append((start_tick, data))
        i = 0
        while i < n:
            k = min(n - i, self.rng.randint(1, max_block))
            self.add_block(start_tick + i * tps, block(5, start_tick + i * tps, channel, 0, 1, k,
                                                       data[i:i + k]))
            i += k

    # ---- spikes and events
    def add_dsp(self, name, channel, gain, n_units):
        self.dsp.append(dict(name=name, channel=channel, gain=gain, n_units=n_units))

    def spike(self, ts, channel, unit, nwf, nwords):
        words = [self.rng.randint(-2000, 2000) for _ in range(nwf * nwords)]
        self.spikes.setdefault((channel, unit), []).append((ts, words))
        self.add_block(ts, block(1, ts, channel, unit, nwf, nwords, words))

    def add_event_channel(self, name, channel):
        self.events.append(dict(name=name, channel=channel))
        self.event_data.setdefault(channel, [])

    def event(self, ts, channel, label):
        self.event_data[channel].append((ts, label))
        self.add_block(ts, block(4, ts, channel, label, 0, 0))

    # ---- output
    def counts(self):
        ts_counts, wf_counts, ev_counts = [0] * 650, [0] * 650, [0] * 512
        for (ch, unit), sp in self.spikes.items():
            if ch < 130 and unit < 5:
                ts_counts[ch * 5 + unit] += len(sp)
                wf_counts[ch * 5 + unit] += len(sp)
        for ch, evs in self.event_data.items():
            if ch < 300:
                ev_counts[ch] += len(evs)
        for ch, runs in self.samples.items():
            if 300 + ch < 512:
                ev_counts[300 + ch] += sum(len(d) for _, d in runs)
        for (kind, i), v in self.count_errors.items():
            {"ts": ts_counts, "wf": wf_counts, "ev": ev_counts}[kind][i] = v
        return ts_counts, wf_counts, ev_counts

    def write(self, out_dir):
        self.blocks.sort(key=lambda b: (b[0], b[1]))
        last_ts = self.blocks[-1][0] if self.blocks else 753672
        ts_c, wf_c, ev_c = self.counts()
        b = global_header(self.version, self.ad_freq, len(self.dsp), len(self.events),
                          len(self.slow), self.wf_freq, last_ts, self.bits_spike, self.bits_slow,
                          self.spike_mv, self.slow_mv, self.preamp, ts_c, wf_c, ev_c,
                          self.npw, self.trodalness)
        for d in self.dsp:
            b += dsp_header(d["name"], d["channel"], d["gain"], d["n_units"])
        for e in self.events:
            b += event_header(e["name"], e["channel"])
        for s in self.slow:
            b += slow_header(s["name"], s["channel"], s["rate"], s["gain"], self.preamp,
                             s["enabled"])
        for _, _, data in self.blocks:
            b += data
        with open(os.path.join(out_dir, self.name + ".plx"), "wb") as f:
            f.write(b)
        return len(b)

    # ---- truth
    def slow_gain(self, gain):
        v = self.version
        if v <= 101:
            return 5000.0 / (2048 * gain * 1000.0)
        if v == 102:
            return 5000.0 / (2048 * gain * self.preamp)
        return self.slow_mv / (0.5 * (2 ** self.bits_slow) * gain * self.preamp)

    def wf_gain(self, gain):
        v = self.version
        if v < 103:
            return 3000.0 / (2048 * gain * 1000.0)
        if v < 105:
            return self.spike_mv / (0.5 * 2.0 ** self.bits_spike * gain * 1000.0)
        return self.spike_mv / (0.5 * 2.0 ** self.bits_spike * gain * self.preamp)

    def truth(self):
        """What a correct reader returns (one segment, blocks concatenated across gaps)."""
        adf = self.ad_freq
        streams = {}
        for s in self.slow:
            runs = self.samples[s["channel"]]
            n = sum(len(d) for _, d in runs)
            if n == 0:
                continue
            prefix = ""
            for c in s["name"]:
                if c.isdigit():
                    break
                prefix += c
            streams.setdefault(prefix, []).append(s)
        out_streams = []
        seg_stop = max((b[0] for b in self.blocks), default=0) / adf if adf else 0.0
        for sid in sorted(streams):
            chans = streams[sid]
            data = [[x for _, d in self.samples[c["channel"]] for x in d] for c in chans]
            first = self.samples[chans[0]["channel"]][0][0]
            rate = chans[0]["rate"]
            t_start = first / adf
            size = len(data[0])
            seg_stop = max(seg_stop, t_start + size / rate)
            gaps = []
            pos = 0
            runs = self.samples[chans[0]["channel"]]
            for (t0, d0), (t1, _) in zip(runs, runs[1:]):
                pos += len(d0)
                expected = t0 + len(d0) * (adf // rate)
                gaps.append({"sample": pos, "t_s": t1 / adf, "expected_t_s": expected / adf,
                             "ticks": t1 - expected})
            out_streams.append({
                "id": sid, "t_start": t_start, "size": size, "sampling_rate": float(rate),
                "channel_ids": [str(c["channel"]) for c in chans],
                "channel_names": [c["name"] for c in chans],
                "gains": [self.slow_gain(c["gain"]) for c in chans],
                "head": [list(r) for r in zip(*[d[:3] for d in data])],
                "tail": [list(r) for r in zip(*[d[-3:] for d in data])],
                "sum": [float(sum(d)) for d in data],
                "gaps": gaps,
                "runs": [{"start_tick": t, "size": len(d)} for t, d in runs],
            })
        units = []
        seen = set()
        for d in self.dsp:
            if d["channel"] in seen:
                continue
            seen.add(d["channel"])
            for unit in sorted(u for (ch, u) in self.spikes if ch == d["channel"]):
                sp = sorted(self.spikes[(d["channel"], unit)], key=lambda x: x[0])
                units.append({"id": f"ch{d['channel']}#{unit}", "name": d["name"],
                              "count": len(sp), "wf_gain": self.wf_gain(d["gain"]),
                              "first_ticks": [t for t, _ in sp[:5]],
                              "last_ticks": [t for t, _ in sp[-5:]],
                              "waveform_sum": float(sum(sum(w) for _, w in sp))})
        events = []
        for e in self.events:
            evs = self.event_data[e["channel"]]
            events.append({"id": str(e["channel"]), "name": e["name"], "count": len(evs),
                           "ticks": [t for t, _ in evs], "labels": [str(l) for _, l in evs]})
        return {"name": self.name, "version": self.version, "ad_frequency": adf,
                "blocks": len(self.blocks), "t_start": 0.0, "t_stop": seg_stop,
                "streams": out_streams, "units": units, "events": events,
                "count_errors": len(self.count_errors)}


def sine(amp, period, phase, rng, noise=30):
    import math
    return lambda i: int(amp * math.sin(2 * math.pi * (i + phase) / period)) + rng.randint(-noise, noise)


def make_v106_mixed(rng):
    r = Recording("v106_mixed", 106, rng, bits_spike=16, bits_slow=12, spike_mv=3000,
                  slow_mv=5000, preamp=1000)
    for ch, gain in [(1, 32), (2, 16), (3, 8)]:
        r.add_dsp(f"SPK{ch:02d}", ch, gain, 2)
    for name, ch in [("EVT01", 1), ("EVT02", 2), ("Strobed", 257), ("Start", 258), ("Stop", 259)]:
        r.add_event_channel(name, ch)
    t0 = 400  # the recording starts 10 ms after tick 0
    dur = 2.0
    for i in range(2):
        r.add_slow(f"WB{i + 1:02d}", i, 20000, 1 + i)
    for i in range(4):
        r.add_slow(f"FP{i + 1:02d}", 16 + i, 1000, 2 + i)
    r.add_slow("FP05", 20, 1000, 1, enabled=0)  # no data: not a signal channel
    r.add_slow("AI01", 48, 2000, 1)
    for i in range(2):
        r.slow_run(i, 20000, t0, int(dur * 20000), 400, sine(3000, 400 + 37 * i, i, rng))
    for i in range(4):
        r.slow_run(16 + i, 1000, t0, int(dur * 1000), 40 + 13 * i, sine(8000, 250, 20 * i, rng))
    r.slow_run(48, 2000, t0, int(dur * 2000), 90, lambda k: (k * 37) % 4001 - 2000)
    for ch, units in [(1, [0, 1, 2]), (2, [0, 3])]:
        for u in units:
            for _ in range(rng.randint(40, 90)):
                r.spike(t0 + rng.randint(0, int(dur * ADF)), ch, u, 1, 32)
    r.event(0, 258, 0)
    for k in range(30):
        r.event(t0 + 2000 * k + rng.randint(0, 100), 257, rng.randint(0, 65535))
    for k in range(7):
        r.event(t0 + 9000 * k + 17, 1, 0)
    r.event(t0 + int(dur * ADF) + 40, 259, 0)
    return r


def make_v105_gap(rng):
    r = Recording("v105_gap", 105, rng, bits_spike=16, bits_slow=16, spike_mv=2500,
                  slow_mv=2500, preamp=20)
    r.add_dsp("SPK01", 1, 100, 1)
    r.add_dsp("SPK02", 2, 50, 1)
    r.add_event_channel("Strobed", 257)
    r.add_event_channel("KBD1", 101)
    for i in range(3):
        r.add_slow(f"FP{i + 1:02d}", 8 + i, 1000, 4)
    for i in range(2):
        r.add_slow(f"SPKC{i + 1:02d}", 40 + i, 10000, 2)
    # part 1: ticks 1000 .. 1000 + 0.5 s; part 2: starts 0.3 s before 2**32, lasts 0.7 s
    parts = [(1000, 0.5), (2 ** 32 - 12000, 0.7)]
    for start, dur in parts:
        for i in range(3):
            r.slow_run(8 + i, 1000, start, int(dur * 1000), 60, sine(5000, 100, 7 * i, rng))
        for i in range(2):
            r.slow_run(40 + i, 10000, start, int(dur * 10000), 500, sine(2000, 31, i, rng))
        for ch, u in [(1, 0), (1, 1), (2, 0), (2, 2)]:
            for _ in range(rng.randint(15, 30)):
                r.spike(start + rng.randint(0, int(dur * ADF)), ch, u, 1, 32)
        for k in range(5):
            r.event(start + 3000 * k + 5, 257, rng.randint(1, 300))
        r.event(start + 7, 101, 0)
    r.count_errors[("ts", 1 * 5 + 1)] = len(r.spikes[(1, 1)]) + 1  # deliberately wrong
    return r


def make_v103_stereo(rng):
    r = Recording("v103_stereo", 103, rng, bits_spike=12, bits_slow=16, spike_mv=3000,
                  slow_mv=5000, preamp=1000, npw=24, trodalness=2)
    r.add_dsp("ST05", 5, 4, 1)
    r.add_dsp("ST06", 6, 2, 2)
    r.add_event_channel("Strobed", 257)
    r.add_slow("LFP01", 0, 1000, 1)
    r.add_slow("LFP02", 1, 1000, 3)
    r.add_slow("AIF01", 2, 500, 1)
    t0 = 0
    for ch in (0, 1):
        r.slow_run(ch, 1000, t0, 1500, 70, sine(1000 * (ch + 1), 80, 0, rng))
    r.slow_run(2, 500, t0, 750, 33, lambda k: k - 300)
    for ch, u in [(5, 0), (6, 0), (6, 1)]:
        for _ in range(rng.randint(20, 40)):
            r.spike(rng.randint(0, 60000), ch, u, 2, 24)
    for k in range(12):
        r.event(5000 * k + 1, 257, k * 1000 + 7)
    return r


def make_v106_mismatch(rng):
    r = Recording("v106_mismatch", 106, rng)
    r.add_slow("FP01", 0, 1000, 1)
    r.add_slow("FP02", 1, 1000, 1)
    r.slow_run(0, 1000, 0, 200, 50, lambda k: k)
    r.slow_run(1, 1000, 0, 190, 50, lambda k: -k)
    return r


def make_v106_empty(rng):
    r = Recording("v106_empty", 106, rng, ad_freq=0)
    r.add_dsp("SPK01", 1, 250, 3)
    r.add_event_channel("Strobed", 257)
    r.add_slow("WB01", 0, 40000, 250)
    r.count_errors[("ts", 5)] = 503
    r.count_errors[("ev", 257)] = 2
    return r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "plexon")
    os.makedirs(os.path.join(out, "golden"), exist_ok=True)
    rng = random.Random(20240314)
    for make in (make_v106_mixed, make_v105_gap, make_v103_stereo, make_v106_mismatch,
                 make_v106_empty):
        rec = make(rng)
        size = rec.write(out)
        with open(os.path.join(out, "golden", rec.name + ".truth.json"), "w") as f:
            json.dump(rec.truth(), f, indent=1)
            f.write("\n")
        print(f"{rec.name}.plx: {size} bytes, {len(rec.blocks)} blocks", file=sys.stderr)


if __name__ == "__main__":
    main()
