"""Step timing and the warning for CPUs that emulate bfloat16."""

import torch
from ramanujan_lth import estimates as E
from ramanujan_lth import reproduce as R
from ramanujan_lth.evidence.studies import Task
from ramanujan_lth.storage.params import RunParams


def test_bf16_note_gives_both_measured_steps_and_the_choices(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(E, "_SPEED", {("conv4", "cpu", "bf16"): 7.2, ("conv4", "cpu", "fp32"): 0.6})
    monkeypatch.setattr(E, "native_bf16", lambda device: False)
    note = E.bf16_note("conv4", cpu)
    assert "7.20 s in bf16" in note and "0.60 s in fp32" in note and "(12x slower)" in note
    assert "--precision fp32" in note and "AVX512-BF16" in note
    monkeypatch.setattr(E, "native_bf16", lambda device: True)
    assert E.bf16_note("conv4", cpu) is None


def test_the_batch_warns_once_per_emulated_bf16_model(monkeypatch, capsys):
    monkeypatch.setattr(E, "_SPEED", {("conv4", "cpu", "bf16"): 7.0, ("conv4", "cpu", "fp32"): 0.7})
    monkeypatch.setattr(E, "native_bf16", lambda device: False)
    bf16 = RunParams(model="conv4", dataset="cifar10", precision="bf16")
    tasks = [
        Task("a", bf16),
        Task("b", RunParams(model="conv4", dataset="cifar10", precision="bf16", seed=1)),
        Task("c", RunParams(model="lenet_300_100")),
    ]
    R._say_bf16(tasks, torch.device("cpu"), out=None)
    lines = capsys.readouterr().out.strip().splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("warning: this CPU has no native bfloat16")
        and "(10x slower)" in lines[0]
    )


def test_native_bf16_reads_the_cpu_flag(monkeypatch):
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert E.native_bf16("cpu") is False
