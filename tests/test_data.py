import shutil

import numpy as np
import pytest
import torch

from paperlib.lenet.data import RAW_FILES, DataError, load_splits, raw_folder, stratified_subset


def test_stratified_subset_keeps_class_shares_and_is_deterministic():
    labels = np.repeat(np.arange(10), [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000])
    first = stratified_subset(labels, 550, seed=0)
    assert len(first) == 550 and len(set(first)) == 550
    shares = np.bincount(labels[first], minlength=10) / 550
    assert shares == pytest.approx(np.bincount(labels) / len(labels), abs=0.005)
    assert np.array_equal(first, stratified_subset(labels, 550, seed=0))
    assert np.array_equal(stratified_subset(labels, None, seed=0), np.arange(len(labels)))


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_real_splits_are_disjoint_stratified_and_fixed(data_root, name):
    splits = load_splits(name, data_root, download=False)
    assert splits.sizes == {"train": 55000, "val": 5000, "test": 10000}
    assert splits.train_x.shape == (55000, 1, 28, 28) and splits.train_x.dtype == torch.float32
    assert abs(splits.train_x.mean().item()) < 1e-3 and splits.train_x.std().item() == pytest.approx(1.0, abs=1e-3)
    # Stratified: each class has its share of the 60,000 training images in the 5,000 (within rounding).
    everything = torch.cat([splits.train_y, splits.val_y])
    expected = torch.bincount(everything, minlength=10).double() * 5000 / 60000
    assert (torch.bincount(splits.val_y, minlength=10) - expected).abs().max() <= 1.0
    again = load_splits(name, data_root, 1000, 500, 1000, download=False)
    twice = load_splits(name, data_root, 1000, 500, 1000, download=False)
    assert torch.equal(again.train_x, twice.train_x) and torch.equal(again.val_y, twice.val_y)
    assert again.sizes == {"train": 1000, "val": 500, "test": 1000}
    # No validation image is also a training image (compare rows of the subset against the val split).
    train_rows = {row.numpy().tobytes() for row in again.train_x.flatten(1)}
    assert not any(row.numpy().tobytes() in train_rows for row in splits.val_x.flatten(1)[:500])


def test_missing_dataset_names_the_path(tmp_path):
    with pytest.raises(DataError, match=f"train-images-idx3-ubyte not found in {tmp_path}/MNIST/raw.*DATA_DIR"):
        load_splits("mnist", tmp_path, download=False)


def test_truncated_idx_file_is_a_clear_error(data_root, tmp_path):
    folder = raw_folder(tmp_path, "mnist")
    folder.mkdir(parents=True)
    for name in RAW_FILES:
        shutil.copy(raw_folder(data_root, "mnist") / name, folder / name)
    images = folder / "t10k-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    with pytest.raises(DataError, match="t10k|truncated or corrupt|expected 10000"):
        load_splits("mnist", tmp_path, download=False)


def test_unknown_dataset_lists_the_choices(tmp_path):
    with pytest.raises(DataError, match="unknown dataset 'cifar10'.*mnist"):
        load_splits("cifar10", tmp_path, download=False)
