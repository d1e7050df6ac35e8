"""The benchmark in its tiny mode on the real data: files, structure, like-for-like trainers; never timings."""

import json
import os

import pytest
import torch

from paperlib.bench.common import TINY
from paperlib.bench.machine import bench_machine
from paperlib.bench.trainer import BEFORE, loader_batches, trainer_contenders
from paperlib.cli import main
from paperlib.lenet.trial import Recipe
from paperlib.space import TABLE2
from paperlib.tuners.base import METHODS


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("bench")
    assert (
        main(["bench", "--quick", "--out", str(out), "--data-dir", str(data_root), "--no-download", "--device", "cpu"])
        == 0
    )
    return out


def read(folder, name):
    return json.loads((folder / name).read_text())


def test_bench_writes_its_files(bench_dir):
    for name in ("trainer.json", "machine.json", "overhead.json", "scaling.json", "gpu.json", "bench.json"):
        assert isinstance(read(bench_dir, name), dict)
    assert (bench_dir / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reference_and_project_train_the_same_steps_and_images(bench_dir):
    trainer = read(bench_dir, "trainer.json")
    batch_size = TABLE2.default()["batch_size"]
    steps = Recipe().steps(1.0, TINY.train_size, batch_size)
    assert trainer["steps"] == steps and trainer["batch_size"] == batch_size
    contenders = trainer["contenders"]
    assert set(contenders) == {"reference", *trainer_contenders(Recipe())}
    for name, contender in contenders.items():
        assert len(contender["runs"]) == TINY.repeats, name
        for run in contender["runs"]:
            assert run["steps"] == steps and run["images"] == steps * batch_size, name
        for key in (
            "train_images_per_second",
            "trial_seconds",
            "train_speedup_vs_reference",
            "project_trial_speedup_over_this",
        ):
            assert isinstance(contender[key], float), (name, key)
    assert contenders["reference"]["train_speedup_vs_reference"] == 1.0
    assert trainer["reference_data_share"] > 0.0


def test_machine_throughput_runs_one_trial_process_per_core_against_the_reference(bench_dir):
    machine = read(bench_dir, "machine.json")
    assert machine["status"] == "ok"
    steps = Recipe().steps(1.0, TINY.train_size, TABLE2.default()["batch_size"])
    images = steps * TABLE2.default()["batch_size"]
    reference, project = machine["reference"], machine["project"]
    assert reference["processes"] == 1 and project["processes"] == os.cpu_count() and project["threads"] == 1
    assert len(reference["runs"]) == len(project["runs"]) == TINY.machine_repeats
    for run in reference["runs"]:
        assert run["trials"] == TINY.machine_trials and run["images"] == TINY.machine_trials * images
    for run in project["runs"]:  # every process trained its trials: same work per trial as the reference
        assert run["trials"] == TINY.machine_trials * os.cpu_count() and run["images"] == run["trials"] * images
        assert run["images_per_second"] == run["images"] / run["seconds"]
    one_process = machine["project_one_process"]
    assert one_process["processes"] == 1 and one_process["threads"] == reference["threads"] == torch.get_num_threads()
    assert [run["images"] for run in one_process["runs"]] == [run["images"] for run in reference["runs"]]
    assert read(bench_dir, "bench.json")["machine_speedup_vs_reference"] == machine["speedup_vs_reference"] > 0


def test_machine_throughput_is_skipped_off_the_cpu(data_root):
    assert bench_machine(data_root, TINY, torch.device("cuda"))["status"] == "skipped"


def test_overhead_covers_every_method(bench_dir):
    overhead = read(bench_dir, "overhead.json")
    assert list(overhead["methods"]) == list(METHODS)
    for method, row in overhead["methods"].items():
        assert row["status"] in ("ok", "missing", "error"), method
        if row["status"] == "ok":
            assert row["episodes"] == TINY.episodes
            assert {"median_ms", "mean_ms", "total_seconds", "at_torch_default_threads"} <= set(row)
            assert row["at_torch_default_threads"]["episodes"] == TINY.episodes
        else:
            assert row["error"]
    summary = read(bench_dir, "bench.json")
    assert summary["missing_methods"] == [m for m, r in overhead["methods"].items() if r["status"] != "ok"]
    assert summary["settings"]["episodes"] == TINY.episodes and summary["device"] == "cpu"


def test_scaling_varies_one_factor_at_a_time(bench_dir):
    scaling = read(bench_dir, "scaling.json")
    center = TABLE2.default()
    expected = {
        "train_size": TINY.train_sizes,
        "hidden_size": TINY.hidden_sizes,
        "conv_size": TINY.conv_sizes,
        "batch_size": TINY.batch_sizes,
    }
    assert scaling["center"] == center and list(scaling["factors"]) == list(expected)
    for factor, values in expected.items():
        rows = scaling["factors"][factor]
        assert [r["value"] for r in rows] == list(values)
        for row in rows:
            size = row["value"] if factor == "train_size" else TINY.train_size
            batch = row["value"] if factor == "batch_size" else center["batch_size"]
            assert row["steps"] == Recipe().steps(1.0, size, batch), (factor, row)


def test_reference_batches_run_across_epochs():
    batches = list(loader_batches(list(range(10)), batch_size=3, steps=7, seed=0))
    assert len(batches) == 7 and all(len(b) == 3 for b in batches)  # 3 full batches per epoch, the partial one dropped
    assert sorted(x for b in batches[:3] for x in b.tolist()) != list(range(10))  # an epoch drops one image


def test_contenders_undo_one_setting_each():
    recipe = Recipe()
    contenders = trainer_contenders(recipe)
    assert contenders["project"] == recipe and contenders["before"] == Recipe(**BEFORE)
    for name, value in BEFORE.items():
        changed = {f for f in BEFORE if getattr(contenders[f"project, {name}={value}"], f) != getattr(recipe, f)}
        assert changed == {name}


def test_the_gpu_section_is_skipped_without_cuda(bench_dir):
    assert read(bench_dir, "gpu.json") == {"status": "skipped", "reason": "no CUDA device (cpu): unmeasured"}
    assert read(bench_dir, "bench.json")["gpu"]["status"] == "skipped"


def test_the_gpu_measurement_runs_k_trials_at_once_on_any_device(data_root):
    from paperlib.bench.executor import TINY as TINY_PROFILE
    from paperlib.bench.gpu import full_budget_trials, measure
    from paperlib.experiment.profiles import PAPER
    from paperlib.lenet.data import load_splits

    splits = load_splits("mnist", data_root, 200, 100, 100, "cpu")
    result = measure(splits, TINY_PROFILE, rounds=1, concurrency=(1, 2))
    rows = result["concurrency"]
    assert [(r["concurrent_trials"], r["trials"], r["statuses"]) for r in rows] == [(1, 1, ["ok"]), (2, 2, ["ok"])]
    best = max(r["trials_per_hour"] for r in rows)
    assert result["profile_projected_hours"] == pytest.approx(result["profile_full_budget_trials"] / best)
    # Paper profile by hand: 2 datasets x 3 seeds x (4 methods x 200 + Hyperband and BOHB x 80), plus 36 retrainings.
    # 2 datasets x 3 seeds x (four methods at 200, Hyperband and BOHB at 80, their equal-compute rows at 200) + 48 retrainings
    assert full_budget_trials(PAPER) == pytest.approx(6 * (4 * 200 + 2 * 80 + 2 * 200) + 48)
