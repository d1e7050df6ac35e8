"""The two install routes pin the same versions; a requested device is resolved or refused in one line."""

import re

import pytest
import torch

from paperlib.errors import DeviceError
from paperlib.experiment import provenance
from paperlib.lenet.device import resolve_device
from paperlib.paths import ROOT


def pins(text):
    return dict(re.findall(r"^\s*(?:-\s*)?([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$", text, re.M))


def test_environment_yml_pins_what_requirements_txt_pins():
    requirements = pins((ROOT / "requirements.txt").read_text())
    environment = pins((ROOT / "environment.yml").read_text())
    assert requirements == environment
    for name in ("torch", "torchvision", "hyperopt", "hpbandster", "papermill", "scikit-learn", "pytest"):
        assert name in requirements, name
    assert requirements["torch"] == "2.14.1" and requirements["hyperopt"] == "0.3.0"


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture
def one_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def test_auto_is_cuda_when_present_else_cpu(no_cuda):
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_takes_the_gpu(one_gpu):
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda:0")


@pytest.mark.parametrize(
    "name, pattern",
    [
        ("tpu", r"unknown device 'tpu'; use auto"),
        ("mps", r"device 'mps' is not supported"),
        ("cuda", r"device 'cuda' asked for, but torch finds no CUDA device"),
        ("cuda:1", r"device 'cuda:1' asked for, but torch finds no CUDA device"),
        (1, r"device must be a string, got 1"),
    ],
)
def test_unusable_devices_are_refused_in_one_line(no_cuda, name, pattern):
    with pytest.raises(DeviceError, match=pattern) as refused:
        resolve_device(name)
    assert "\n" not in str(refused.value)


def test_a_gpu_index_beyond_the_machine_is_refused(one_gpu):
    with pytest.raises(DeviceError, match=r"device 'cuda:1' asked for, but this machine has 1 CUDA device"):
        resolve_device("cuda:1")


def test_runs_record_what_decides_their_cpu_numerics():
    described = provenance.describe()
    for key in ("cpu_model", "cpu_isa", "torch_cpu_capability", "math_libraries", "numerics_environment"):
        assert key in described, key
    assert set(described["cpu_isa"]) <= set(provenance.ISA_FLAGS)
    assert described["torch_cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    sample = (
        "  - Intel(R) oneAPI Math Kernel Library Version 2024.2-Product Build\n  - Intel(R) MKL-DNN v3.12.0 (Git Hash"
    )
    assert provenance.math_libraries(sample) == {"onednn": "3.12.0", "mkl": "2024.2-Product"}
    assert provenance.math_libraries("no libraries") == {"onednn": None, "mkl": None}
