"""The lowest-rung measurement on the real data, tiny: the same configurations at every rung, correlations in range."""

from paperlib.bench.rungs import BUDGETS, bench_rungs, sampled_configs


def test_rungs_score_the_same_random_search_configurations_at_every_budget(data_root):
    report = bench_rungs(data_root, [(300, 1.0)], configs=4, val_size=100, progress=lambda message: None)
    assert report["configs"] == sampled_configs(4, seed=0)  # random search's own draws, repeatable
    (row,) = report["sizes"]
    assert len(row["scores"]) == len(BUDGETS) and all(len(s) == 4 for s in row["scores"].values())
    for key in ("spearman_lowest_vs_middle", "spearman_middle_vs_full", "spearman_lowest_vs_full"):
        assert -1.0 <= row[key] <= 1.0 or row[key] != row[key]  # NaN when a rung's scores are all equal
    assert 0.0 <= row["lowest_rung_failed_share"] <= 1.0
    assert all(steps >= 1 for steps in row["lowest_rung_steps"])


def test_the_rungs_command_writes_its_file(tmp_path, data_root):
    from paperlib.cli import main

    assert main(["bench", "--rungs", "--quick", "--out", str(tmp_path), "--data-dir", str(data_root)]) == 0
    assert (tmp_path / "rungs.json").is_file()
