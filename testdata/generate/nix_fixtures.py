#!/usr/bin/env python3
"""Write the small NIX fixtures of the `rawio-nix` tests into testdata/nix/ (seeded), and their
truth (testdata/nix/truth/*.json: what the generator wrote, in seconds).

    PY=$(shared/oracle/setup.sh)
    $PY testdata/generate/nix_fixtures.py [NAME.nix ...]  # writes testdata/nix/*.nix + truth/
    # entity ids and timestamps are random (nixio): regenerate only what changed, and the
    # neo_tiny golden with it:
    (cd testdata/nix && $PY ../../../shared/oracle/neo_dump.py nix neo_tiny.nix --full > golden/neo_tiny.nix.json)
    $PY testdata/generate/nix_fixtures.py --bench DIR/big.nix [MB]   # the comparison script's file

nixio 1.5.4 (generic files) and neo 0.14.6's NixIO (neo-written files), h5py 3.16.

Generic files (nixio):
  tutorial.nix   exactly the arrays, tags and sections of ../shared/seeds/nix-tutorial.txt
                 (np.random seeded with 14): block basic_examples (data_regular: 1000 samples at
                 1 ms; data_irregular: range dimension of Poisson times; data_event: set/set
                 temperatures; data_multi_dimension: 2 x 1000 channels-first, set labels
                 Trace_A/Trace_B), block tag_examples (membrane_voltage_A: 10000 samples at
                 0.1 ms; spike_times_A: set/set positions of the MultiTag tag_A, which
                 references membrane_voltage_A), sections tag_examples/subject (species, age
                 [weeks], subjectID) as metadata of tag_A and membrane_voltage_A.
  features.nix   what the tutorial does not show, two blocks holding the same names: a
                 deflate-compressed int16 samples x channels array (sampled in ms, offset,
                 polynomial coefficients and expansion origin, set labels); a float32
                 channels-first array at 2 kHz; a range-dimension signal in ms; an event array
                 (range dimension linked to itself); a Tag (position + extent, units ms); a
                 MultiTag with extents (set labels on the positions); a MultiTag without
                 extents whose positions have no unit; a 3-D array and a sampled array whose
                 unit is not a time (both not mapped); groups, sources; nested sections linked to
                 the block and the arrays.
Neo-written files (neo's NixIO):
  neo_blocks.nix 2 blocks x 2 segments: AnalogSignal "fast" (2 channels float32, 1 kHz so the
                 interval is stored as 1.0 [1/kHz], t_start 250 ms), AnalogSignal "slow" (2
                 channels float64 at 250 Hz, t_start 0.5 s), an IrregularlySampledSignal, two
                 SpikeTrains (one with waveforms 2 x 8 at 20 kHz and left_sweep, one in ms), an
                 Event, two Epochs (durations in ms), annotations and array annotations, a neo
                 Group.
  neo_tiny.nix   1 block, 1 segment: a 2-channel float32 signal at 1000 Hz, a spike train with
                 waveforms (left_sweep 0), an event, an epoch; all in seconds, so neo reads it
                 right except spike_count (its golden is neo_dump.py's). A fuzz seed.
  neo_seed.nix   the smallest neo-written file worth fuzzing: a 1-channel signal at 1 kHz, a
                 spike train in ms.
Generic small files:
  generic_tiny.nix  an int16 trace at 0.5 ms, a self-timed event array in ms, a multi-tag with
                 labelled positions, a tag in ms, a section (a fuzz seed).
  cycles.nix     a section hard-linked into its own sub-sections and `link`ed to itself.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "nix"))


def tutorial(path):
    """The tutorial's file, array for array (seeded)."""
    import nixio

    np.random.seed(14)
    f = nixio.File.open(path, nixio.FileMode.Overwrite)
    block = f.create_block(name="basic_examples", type_="examples")

    freq = 5.0
    samples = 1000
    sample_interval = 0.001
    time = np.arange(samples)
    voltage = np.sin(2 * np.pi * time * freq / samples)
    da = block.create_data_array(name="data_regular", array_type="sine", data=voltage)
    da.label = "voltage"
    da.unit = "mV"
    dim = da.append_sampled_dimension(sample_interval)
    dim.label = "time"
    dim.unit = "s"
    da.append_set_dimension()

    duration = 1.0
    interval = 0.02
    time_points = np.around(
        np.cumsum(np.random.poisson(interval * 1000, int(1.5 * duration / interval))) / 1000.0, 3
    )
    time_points = time_points[time_points <= duration]
    data_points = np.sin(5 * np.arange(0, time_points[-1] * 2 * np.pi, 0.001))
    data_points = data_points[np.asarray(time_points / 0.001 * 2 * np.pi, dtype=int)]
    data_irr = block.create_data_array(name="data_irregular", array_type="sine", data=data_points)
    data_irr.label = "Voltage"
    data_irr.unit = "mV"
    dim = data_irr.append_range_dimension(time_points)
    dim.label = "time"
    dim.unit = "s"
    data_irr.append_set_dimension()
    irregular_values = data_points.tolist()

    data_points = [281, 293, 271, 300, 285, 150]
    data_event = block.create_data_array(name="data_event", array_type="event", data=data_points)
    data_event.label = "temperature"
    data_event.unit = "K"
    dim = data_event.append_set_dimension()
    dim.labels = ["Response A", "Response B", "Response C", "Response D", "Response E", "Response F"]
    data_event.append_set_dimension()

    voltage_trace_A = np.sin(2 * np.pi * time * freq / samples)
    voltage_trace_B = np.cos(2 * np.pi * time * freq / samples)
    voltage_stacked = np.vstack((voltage_trace_A, voltage_trace_B))
    data_related = block.create_data_array(
        name="data_multi_dimension", array_type="multi", data=voltage_stacked
    )
    data_related.label = "voltage"
    data_related.unit = "mV"
    dim_set = data_related.append_set_dimension()
    dim_set.labels = ["Trace_A", "Trace_B"]
    dim_sample = data_related.append_sampled_dimension(sample_interval)
    dim_sample.label = "time"
    dim_sample.unit = "s"
    data_related.append_set_dimension()

    block_tag = f.create_block(name="tag_examples", type_="examples")
    voltage, spike_times = lif(10000, 0.005)
    time = np.arange(len(voltage)) * 0.0001
    data = block_tag.create_data_array(
        name="membrane_voltage_A", array_type="regular_sampled", data=voltage
    )
    data.label = "membrane voltage"
    data.unit = "mV"
    dim = data.append_sampled_dimension(time[1] - time[0])
    dim.label = "time"
    dim.unit = "s"
    spike_data = block_tag.create_data_array(name="spike_times_A", array_type="set", data=spike_times)
    spike_data.append_set_dimension()
    spike_data.append_set_dimension()
    multi_tag = block_tag.create_multi_tag(name="tag_A", type_="spike_times", positions=spike_data)
    multi_tag.references.append(data)

    section = f.create_section(name="tag_examples", type_="general_section")
    sub_sec = section.create_section(name="subject", type_="experiment_A")
    sub_sec.create_property(name="species", values_or_dtype="Mus Musculus")
    prop = sub_sec.create_property(name="age", values_or_dtype="4")
    prop.unit = "weeks"
    sub_sec.create_property(name="subjectID", values_or_dtype="78376446-f096-47b9-8bfe-ce1eb43a48dc")
    multi_tag.metadata = f.sections["tag_examples"]
    data.metadata = f.sections["tag_examples"]
    f.close()
    return {
        "blocks": ["basic_examples", "tag_examples"],
        "data_regular": {"n": 1000, "interval_s": 0.001, "sum": float(np.sin(2 * np.pi * np.arange(1000) * 5 / 1000).sum())},
        "data_irregular": {"times_s": time_points.tolist(), "values": irregular_values},
        "data_multi_dimension": {"n": 1000, "labels": ["Trace_A", "Trace_B"]},
        "membrane_voltage_A": {"n": len(voltage), "interval_s": float(time[1] - time[0]), "sum": float(voltage.sum()), "head": voltage[:3].tolist()},
        "tag_A": {"times_s": spike_times.tolist()},
    }


def lif(steps, stimulus):
    """The tutorial's leaky integrate-and-fire mock (constant stimulus), same random draws."""
    stepsize, offset, tau_m, tau_a, da, D = 0.0001, 1.6, 0.025, 0.02, 0.0, 3.5
    v_threshold, v_reset = 1.0, 0.0
    i_a, v, t = 0.0, v_reset, 0.0
    membrane, spikes = [], []
    for _ in range(steps):
        noise = D * (float(np.random.randn() % 10000) - 5000.0) / 10000
        i_a -= i_a - stepsize / tau_a * i_a
        v += stepsize * (-v + stimulus + noise + offset - i_a) / tau_m
        membrane.append(v)
        t += stepsize
        if v > v_threshold and len(membrane) > 1:
            v = v_reset
            membrane[-1] = 2.0
            spikes.append(t)
            i_a += da
    return np.array(membrane), np.array(spikes)


def features(path):
    """Everything the generic mapping handles that the tutorial does not show."""
    import nixio

    rng = np.random.default_rng(1414)
    f = nixio.File.open(path, nixio.FileMode.Overwrite)
    rec = f.create_section("recording", "session")
    rec.create_property("experimenter", "Ada")
    rec.create_property("temperature", 36.5).unit = "C"
    rec.create_property("trials", [3, 5, 8])
    rig = rec.create_section("rig", "hardware")
    rig.create_property("amplifier", "A-M 3000")
    chan = f.create_section("channels", "electrodes")
    chan.create_property("impedance", [1.5, 2.5, 0.5]).unit = "MOhm"
    truth = {"blocks": []}
    for b in range(2):
        block = f.create_block(f"session{b}", "recording")
        block.metadata = rec
        src = block.create_source("probe", "electrode_group")
        src.create_source("shank0", "shank")
        n = 400 + 100 * b
        raw = (rng.normal(0, 300, (n, 3))).astype(np.int16)
        da = block.create_data_array(
            "raw", "nix.sampled", data=raw, compression=nixio.Compression.DeflateNormal
        )
        da.unit = "uV"
        da.label = "voltage"
        da.polynom_coefficients = [2.0, 0.195]
        da.expansion_origin = 10.0
        d = da.append_sampled_dimension(0.05)  # ms: 20 kHz
        d.unit = "ms"
        d.label = "time"
        d.offset = 12.5  # ms
        da.append_set_dimension().labels = ["e1", "e2", "e3"]
        da.sources.append(src)
        da.metadata = chan
        lfp = rng.normal(0, 1, (2, 100 + 20 * b)).astype(np.float32)
        dl = block.create_data_array("lfp", "nix.sampled", data=lfp)
        dl.unit = "mV"
        dl.append_set_dimension().labels = ["lfp_a", "lfp_b"]
        d = dl.append_sampled_dimension(0.5)
        d.unit = "ms"
        d.label = "time"
        irr_t = np.cumsum(rng.uniform(5, 15, 12 + b))
        di = block.create_data_array("temperature_probe", "nix.irregular", data=rng.normal(36, 0.2, irr_t.size))
        di.unit = "C"
        d = di.append_range_dimension(irr_t)
        d.unit = "ms"
        d.label = "time"
        ev_t = np.sort(rng.uniform(0, 0.02, 6 + b))
        de = block.create_data_array("licks", "nix.events", data=ev_t)
        de.unit = "s"
        de.append_range_dimension_using_self()
        # a tag: one epoch in ms
        t = block.create_tag("stimulus", "nix.stimulus", position=[13.0])
        t.extent = [4.0]
        t.units = ["ms"]
        t.references.append(da)
        # a multi-tag with extents and labels: epochs
        pos = block.create_data_array("trial_starts", "nix.positions", data=np.array([0.0125, 0.016, 0.02]))
        pos.unit = "s"
        pos.append_set_dimension().labels = ["go", "nogo", "go"]
        ext = block.create_data_array("trial_lengths", "nix.extents", data=np.array([2.0, 1.5, 1.0]))
        ext.unit = "ms"
        ext.append_set_dimension()
        mt = block.create_multi_tag("trials", "nix.trials", positions=pos)
        mt.extents = ext
        mt.references.append(da)
        mt.references.append(dl)
        # a multi-tag whose positions have no unit: the referenced array's time unit (ms)
        pk = block.create_data_array("peaks", "nix.positions", data=np.array([13.0, 14.5, 16.25]))
        pk.append_set_dimension()
        mp = block.create_multi_tag("peak_times", "nix.peaks", positions=pk)
        mp.references.append(da)
        mp.metadata = rig
        # not mapped: an image stack and a sampled array whose unit is not a time
        img = block.create_data_array("image", "nix.image", data=rng.integers(0, 255, (4, 5, 3)).astype(np.uint8))
        for _ in range(3):
            img.append_sampled_dimension(1.0).unit = "um"
        sp = block.create_data_array("spectrum", "nix.spectrum", data=rng.uniform(0, 1, 16))
        sp.append_sampled_dimension(2.0).unit = "Hz"
        grp = block.create_group("shank0", "nix.group")
        grp.data_arrays.append(da)
        grp.multi_tags.append(mt)
        truth["blocks"].append({
            "raw": {"n": n, "sum": raw.astype(np.int64).sum(axis=0).tolist(), "head": raw[:3].tolist()},
            "lfp": {"n": lfp.shape[1], "head": lfp[:, :3].T.astype(np.float64).tolist()},
            "temperature_probe": {"times_s": (irr_t / 1000).tolist()},
            "licks": {"times_s": ev_t.tolist()},
        })
    f.close()
    return truth


def neo_blocks(path):
    """A neo-written file: several blocks and segments, every neo object NixIO writes."""
    import neo
    import quantities as pq
    from neo.io import NixIO

    rng = np.random.default_rng(2014)
    blocks = []
    truth = {"blocks": []}
    for b in range(2):
        blk = neo.Block(name=f"block {b}", description="fixture block", session=b, tags=["x", "y"])
        bt = {"segments": []}
        for s in range(2):
            seg = neo.Segment(name=f"seg {b}.{s}", index=s, condition="go" if s == 0 else "nogo")
            fast = rng.normal(0, 1, (200 + 10 * s, 2)).astype(np.float32)
            a = neo.AnalogSignal(fast, units="uV", sampling_rate=1 * pq.kHz, t_start=250 * pq.ms,
                                 name="fast", probe="A",
                                 array_annotations={"channel_names": np.array(["a0", "a1"])})
            slow = rng.normal(0, 1, (60 + 5 * s, 2))
            a2 = neo.AnalogSignal(slow, units="mV", sampling_rate=250 * pq.Hz, t_start=0.5 * pq.s,
                                  name="slow")
            irr_t = np.cumsum(rng.uniform(0.01, 0.03, 15)) + 0.3
            irr = neo.IrregularlySampledSignal(irr_t * pq.s, rng.normal(0, 1, (15, 1)), units="mV",
                                               name="irregular")
            st1_t = np.sort(rng.uniform(0.3, 0.7, 7))
            wf = rng.normal(0, 10, (7, 2, 8)) * pq.uV
            st1 = neo.SpikeTrain(st1_t * pq.s, t_start=0.2 * pq.s, t_stop=0.9 * pq.s, name="unit A",
                                 waveforms=wf, sampling_rate=20 * pq.kHz, left_sweep=0.1 * pq.ms,
                                 quality="good")
            st2_t = np.sort(rng.uniform(300, 800, 4))
            st2 = neo.SpikeTrain(st2_t * pq.ms, t_start=200 * pq.ms, t_stop=900 * pq.ms,
                                 name="unit B")
            ev = neo.Event(np.array([0.3, 0.45, 0.6]) * pq.s, labels=np.array(["on", "off", "on"]),
                           name="triggers", source="ttl")
            ep1 = neo.Epoch(np.array([0.3, 0.5]) * pq.s, durations=np.array([50.0, 100.0]) * pq.ms,
                            labels=np.array(["trial1", "trial2"]), name="trials")
            ep2 = neo.Epoch(np.array([0.25]) * pq.s, durations=np.array([0.6]) * pq.s,
                            labels=np.array(["whole"]), name="session")
            seg.analogsignals += [a, a2]
            seg.irregularlysampledsignals.append(irr)
            seg.spiketrains += [st1, st2]
            seg.events.append(ev)
            seg.epochs += [ep1, ep2]
            blk.segments.append(seg)
            bt["segments"].append({
                "fast": {"n": fast.shape[0], "sum": fast.astype(np.float64).sum(axis=0).tolist()},
                "slow": {"n": slow.shape[0], "sum": slow.sum(axis=0).tolist()},
                "irregular_times_s": irr_t.tolist(),
                "unit_A_s": st1_t.tolist(),
                "unit_B_s": (st2_t / 1000).tolist(),
                "waveform_sum": float(wf.magnitude.sum()),
                "trials_durations_s": [0.05, 0.1],
            })
        g = neo.Group(name="tetrode", objects=[blk.segments[0].analogsignals[0]])
        blk.groups.append(g)
        blocks.append(blk)
        truth["blocks"].append(bt)
    if os.path.exists(path):
        os.remove(path)
    with NixIO(path, mode="ow") as io:
        io.write_all_blocks(blocks)
    return truth


def neo_tiny(path):
    """A small neo-written file neo 0.14.6 reads right (but for spike_count): the golden
    testdata/nix/golden/neo_tiny.nix.json is neo_dump.py's; also a fuzz seed."""
    import neo
    import quantities as pq
    from neo.io import NixIO

    rng = np.random.default_rng(7)
    seg = neo.Segment(name="only")
    sig = rng.normal(0, 1, (50, 2)).astype(np.float32)
    seg.analogsignals.append(neo.AnalogSignal(sig, units="mV", sampling_rate=1000 * pq.Hz, name="sig"))
    times = np.array([0.004, 0.011, 0.027, 0.031])
    wf = rng.normal(0, 5, (4, 1, 6))
    seg.spiketrains.append(neo.SpikeTrain(times * pq.s, t_stop=0.05 * pq.s, name="u0",
                                          waveforms=wf * pq.uV, sampling_rate=30000 * pq.Hz,
                                          left_sweep=0 * pq.s))
    seg.events.append(neo.Event(np.array([0.01, 0.02]) * pq.s, labels=np.array(["a", "b"]), name="ev"))
    seg.epochs.append(neo.Epoch(np.array([0.005]) * pq.s, durations=np.array([0.01]) * pq.s,
                                labels=np.array(["ep"]), name="epo"))
    blk = neo.Block(name="tiny")
    blk.segments.append(seg)
    if os.path.exists(path):
        os.remove(path)
    with NixIO(path, mode="ow") as io:
        io.write_block(blk)
    return {"sig": {"n": 50, "sum": sig.astype(np.float64).sum(axis=0).tolist()}, "u0_s": times.tolist()}


def neo_seed(path):
    """The smallest neo-written file worth fuzzing (<= 64 KB): one 1-channel signal in ms
    units and a spike train."""
    import neo
    import quantities as pq
    from neo.io import NixIO

    seg = neo.Segment()
    seg.analogsignals.append(neo.AnalogSignal(np.arange(8, dtype=np.float32).reshape(8, 1), units="mV",
                                              sampling_rate=1 * pq.kHz))
    seg.spiketrains.append(neo.SpikeTrain([1.0, 3.0] * pq.ms, t_stop=8 * pq.ms))
    blk = neo.Block()
    blk.segments.append(seg)
    if os.path.exists(path):
        os.remove(path)
    with NixIO(path, mode="ow") as io:
        io.write_block(blk)
    return {"signal_rate": 1000.0, "spikes_s": [0.001, 0.003]}


def generic_tiny(path):
    """A small generic file (fuzz seed): a sampled 1-D array, a self-timed event array, a tag,
    a multi-tag and a section."""
    import nixio

    f = nixio.File.open(path, nixio.FileMode.Overwrite)
    b = f.create_block("b", "t")
    da = b.create_data_array("trace", "t", data=np.arange(20, dtype=np.int16))
    da.unit = "mV"
    d = da.append_sampled_dimension(0.5)
    d.unit = "ms"
    ev = b.create_data_array("ev", "t", data=np.array([1.0, 2.0, 4.0]))
    ev.unit = "ms"
    ev.append_range_dimension_using_self()
    pos = b.create_data_array("pos", "t", data=np.array([0.001, 0.003]))
    pos.unit = "s"
    pos.append_set_dimension().labels = ["x", "y"]
    mt = b.create_multi_tag("mt", "t", positions=pos)
    mt.references.append(da)
    t = b.create_tag("tg", "t", position=[2.0])
    t.extent = [1.0]
    t.units = ["ms"]
    sec = f.create_section("s", "t")
    sec.create_property("p", 1.5)
    b.metadata = sec
    f.close()
    return {"trace": {"n": 20, "rate": 2000.0}, "ev_s": [0.001, 0.002, 0.004]}


def cycles(path):
    """A generic file whose metadata is a graph: a section linked (hard link) into its own
    `sections` and `link`ed to itself, as a damaged or hand-edited file may be."""
    import h5py
    import nixio

    f = nixio.File.open(path, nixio.FileMode.Overwrite)
    b = f.create_block("b", "t")
    da = b.create_data_array("trace", "t", data=np.arange(10, dtype=np.float32))
    da.append_sampled_dimension(0.1).unit = "s"
    sec = f.create_section("loop", "t")
    sec.create_property("x", 1)
    sec.create_section("child", "t").create_property("y", 2)
    b.metadata = sec
    da.metadata = sec
    f.close()
    with h5py.File(path, "r+") as h:
        g = h["metadata/loop"]
        g["sections/again"] = g  # a hard link to itself
        g["link"] = g  # inherits from itself
    return {"x": 1, "y": 2}


def bench(path, megabytes):
    """A neo-written file of about `megabytes` MB of float32 signal (4 channels at 30 kHz plus
    16 at 1 kHz, one segment), for scripts/compare_neo.py."""
    import neo
    import quantities as pq
    from neo.io import NixIO

    n = int(megabytes * 1e6 / (4 * 4 + 16 * 4 / 30))
    rng = np.random.default_rng(3)
    base = rng.normal(0, 50, (30000, 4)).astype(np.float32)
    data = np.tile(base, (n // 30000 + 1, 1))[:n]
    seg = neo.Segment(name="bench")
    seg.analogsignals.append(neo.AnalogSignal(data, units="uV", sampling_rate=30 * pq.kHz, name="wide"))
    lf = np.tile(rng.normal(0, 1, (1000, 16)).astype(np.float32), (n // 30000 + 1, 1))[: n // 30]
    seg.analogsignals.append(neo.AnalogSignal(lf, units="mV", sampling_rate=1 * pq.kHz, name="lfp"))
    st = neo.SpikeTrain(np.sort(rng.uniform(0, n / 30000, 5000)) * pq.s, t_stop=n / 30000 * pq.s, name="u")
    seg.spiketrains.append(st)
    blk = neo.Block(name="bench")
    blk.segments.append(seg)
    if os.path.exists(path):
        os.remove(path)
    with NixIO(path, mode="ow") as io:
        io.write_block(blk)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--bench":
        bench(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 320.0)
        return
    os.makedirs(os.path.join(OUT, "truth"), exist_ok=True)
    fixtures = [("tutorial.nix", tutorial), ("features.nix", features), ("neo_blocks.nix", neo_blocks),
                ("neo_tiny.nix", neo_tiny), ("generic_tiny.nix", generic_tiny), ("neo_seed.nix", neo_seed), ("cycles.nix", cycles)]
    only = sys.argv[1:]
    for name, fn in fixtures:
        if only and name not in only:
            continue
        p = os.path.join(OUT, name)
        t = fn(p)
        with open(os.path.join(OUT, "truth", name + ".json"), "w") as fh:
            json.dump(t, fh, indent=1)
            fh.write("\n")
        print(name, os.path.getsize(p), file=sys.stderr)


if __name__ == "__main__":
    main()
