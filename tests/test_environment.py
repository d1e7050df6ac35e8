"""The lock pins every platform (CUDA only on Linux) and conda installs it with the project; a requested device is resolved or refused in one line."""

import re
import subprocess

import pytest
import torch
import yaml
from packaging.markers import Marker

from paperlib.errors import DeviceError
from paperlib.experiment import provenance
from paperlib.lenet.device import resolve_device
from paperlib.paths import ROOT


def pins(text):
    """``{name: (version, marker)}`` of the ``name==version [; marker]`` lines of a lock."""
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)\s*(?:;\s*(.+?))?\s*$", text, re.M)
    return {name.lower().replace("_", "-"): (version, marker or "") for name, version, marker in found}


def test_the_lock_pins_every_package_and_cuda_only_with_a_platform_marker():
    lock = pins((ROOT / "requirements.txt").read_text())
    for name in ("torch", "torchvision", "hyperopt", "hpbandster", "papermill", "scikit-learn", "pytest", "tqdm"):
        assert name in lock, name
    assert lock["torch"][0] == "2.14.1" and lock["torchvision"][0] == "0.29.1" and lock["hyperopt"][0] == "0.3.0"
    cuda = {name: marker for name, (_, marker) in lock.items() if name.startswith(("nvidia-", "cuda-", "triton"))}
    assert cuda, "torch's Linux wheels need CUDA packages: the lock should list them"
    assert all("sys_platform == 'linux'" in marker for marker in cuda.values()), cuda


def test_the_lock_holds_every_direct_need_at_its_pinned_version():
    direct = pins((ROOT / "requirements.in").read_text())
    lock = pins((ROOT / "requirements.txt").read_text())
    assert {name: lock[name][0] for name in direct} == {name: version for name, (version, _) in direct.items()}


@pytest.mark.parametrize(
    "platform, machine, with_cuda",
    [("linux", "x86_64", True), ("linux", "aarch64", True), ("darwin", "arm64", False), ("darwin", "x86_64", False)],
)
def test_what_the_lock_installs_on_each_platform(platform, machine, with_cuda):
    environment = {"sys_platform": platform, "platform_machine": machine, "os_name": "posix"}
    environment |= {"python_full_version": "3.11.7", "python_version": "3.11", "implementation_name": "cpython"}
    lock = pins((ROOT / "requirements.txt").read_text())
    installed = {name for name, (_, marker) in lock.items() if not marker or Marker(marker).evaluate(environment)}
    assert {"torch", "torchvision", "hyperopt", "hpbandster", "papermill", "jupyterlab"} <= installed
    assert any(name.startswith("nvidia-") for name in installed) == with_cuda
    assert ("triton" in installed) == with_cuda


def test_environment_yml_installs_the_lock_and_the_project():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    assert "python=3.11" in dependencies
    pip_section = next(item["pip"] for item in dependencies if isinstance(item, dict))
    assert pip_section == ["-r requirements.txt", "-e ."]


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


def test_the_recorded_commit_is_dirty_for_changed_code_not_for_changed_results(tmp_path, monkeypatch):
    """A run moved back from results/staged/ to resume, or any run being written, leaves the code what HEAD says."""
    from paperlib.experiment import manifest

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout

    (tmp_path / "results").mkdir()
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "results" / "run.json").write_text("{}\n")
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "snapshot")
    head = git("rev-parse", "HEAD").strip()
    monkeypatch.setattr(provenance, "ROOT", tmp_path)
    (tmp_path / "results" / "run.json").unlink()  # a run moved elsewhere: a tracked file deleted under results/
    (tmp_path / "new.py").write_text("untracked\n")
    assert provenance.git_commit() == manifest._commit() == head
    (tmp_path / "code.py").write_text("x = 2\n")
    assert provenance.git_commit() == manifest._commit() == head + "+dirty"
