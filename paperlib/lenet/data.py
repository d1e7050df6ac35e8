"""MNIST and Fashion-MNIST: loading, the fixed validation split, and device-resident tensors.

The images are read once with torchvision's dataset classes, scaled once, and kept as whole tensors
on the training device; the trainer batches them by index (no per-sample Python work, no DataLoader).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from paperlib.errors import DataError
from paperlib.lenet.names import DATASETS, RAW_FILES

VAL_SIZE = 5000
"""Validation images held out of the 60,000 training images (docs/paper.md#reading-6): 55,000 / 5,000."""
SPLIT_SEED = 0
"""Seed of the stratified train/validation split; fixed, so every method and search seed sees the same split."""


@dataclass(frozen=True)
class Splits:
    """Train, validation and test tensors of one dataset, scaled and on one device.

    Images are float32 ``(N, 1, 28, 28)`` standardized with the training split's mean and std;
    labels are int64 ``(N,)``.
    """

    name: str
    """Dataset name (``mnist`` or ``fashion_mnist``)."""
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor

    @property
    def sizes(self) -> dict[str, int]:
        """Number of images per split."""
        return {"train": len(self.train_y), "val": len(self.val_y), "test": len(self.test_y)}

    def to(self, device: torch.device | str) -> Splits:
        """The same splits on ``device``."""
        moved = {k: getattr(self, k).to(device) for k in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y")}
        return Splits(self.name, **moved)


def check_dataset_name(name: str) -> str:
    """Return ``name`` if known, else raise a :class:`DataError` listing the choices."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {list(DATASETS)}")
    return name


def raw_folder(root: Path, name: str) -> Path:
    """``<root>/<Folder>/raw``, where torchvision expects the IDX files."""
    return Path(root) / DATASETS[check_dataset_name(name)] / "raw"


def ensure_available(name: str, root: Path, download: bool) -> None:
    """Make sure the four IDX files exist, downloading them (torchvision checks their MD5) if allowed."""
    folder = raw_folder(root, name)
    missing = [f for f in RAW_FILES if not (folder / f).is_file()]
    if not missing:
        return
    hint = (
        f"put the four IDX files ({', '.join(RAW_FILES)}) there, or point --data-dir / DATA_DIR at a root "
        f"in torchvision's layout (<root>/MNIST/raw, <root>/FashionMNIST/raw)"
    )
    if not download:
        raise DataError(f"{name}: {missing[0]} not found in {folder}; {hint}")
    import torchvision

    try:
        getattr(torchvision.datasets, DATASETS[name])(str(root), train=True, download=True)
        getattr(torchvision.datasets, DATASETS[name])(str(root), train=False, download=True)
    except Exception as error:  # network, permissions, checksum: all end the same way for the user
        reason = " ".join(str(error).split())  # torchvision's message spans lines; ours is one
        raise DataError(f"{name}: not found in {folder} and the download failed ({reason}); {hint}") from None


def _read(name: str, root: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """One official split as uint8 images and int64 labels, checked for shape and label range."""
    import torchvision

    expected = 60000 if train else 10000
    try:
        dataset = getattr(torchvision.datasets, DATASETS[name])(str(root), train=train, download=False)
        images, labels = dataset.data.numpy(), dataset.targets.numpy().astype(np.int64)
    except Exception as error:
        raise DataError(
            f"{name}: cannot read the IDX files in {raw_folder(root, name)} ({type(error).__name__}: {error}); "
            "they are truncated or corrupt: delete them to download intact copies, or replace them (docs/environment.md#requirements)"
        ) from None
    if images.shape != (expected, 28, 28) or labels.shape != (expected,) or labels.min() < 0 or labels.max() > 9:
        raise DataError(
            f"{name}: {raw_folder(root, name)} holds images {images.shape} and labels {labels.shape} "
            f"(range {labels.min()}..{labels.max()}); expected {expected} 28x28 images labelled 0..9: replace the files"
        )
    return images, labels


def stratified_subset(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Indices of a class-stratified subset of ``size`` items (all indices, sorted, when ``size`` is None or too big)."""
    everything = np.arange(len(labels))
    if size is None or size >= len(labels):
        return everything
    kept, _ = train_test_split(everything, train_size=size, stratify=labels, random_state=seed)
    return np.sort(kept)


@lru_cache(maxsize=4)
def _load_cpu(name: str, root: str, train_size: int | None, val_size: int | None, test_size: int | None) -> Splits:
    train_images, train_labels = _read(name, Path(root), train=True)
    test_images, test_labels = _read(name, Path(root), train=False)
    # The fixed, stratified 55,000 / 5,000 split (docs/paper.md#reading-6); profiles take subsets of each part.
    train_idx, val_idx = train_test_split(
        np.arange(len(train_labels)), test_size=VAL_SIZE, stratify=train_labels, random_state=SPLIT_SEED
    )
    train_idx = train_idx[stratified_subset(train_labels[train_idx], train_size, SPLIT_SEED)]
    val_idx = val_idx[stratified_subset(train_labels[val_idx], val_size, SPLIT_SEED)]
    test_idx = stratified_subset(test_labels, test_size, SPLIT_SEED)

    scaled = torch.from_numpy(train_images[train_idx]).float().div_(255.0)
    mean, std = scaled.mean().item(), scaled.std().item()

    def prepare(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(images).float().div_(255.0).sub_(mean).div_(std).unsqueeze(1).contiguous()

    return Splits(
        name,
        prepare(train_images[train_idx]),
        torch.from_numpy(train_labels[train_idx]),
        prepare(train_images[val_idx]),
        torch.from_numpy(train_labels[val_idx]),
        prepare(test_images[test_idx]),
        torch.from_numpy(test_labels[test_idx]),
    )


def load_splits(
    name: str,
    root: Path,
    train_size: int | None = None,
    val_size: int | None = None,
    test_size: int | None = None,
    device: torch.device | str = "cpu",
    download: bool = True,
) -> Splits:
    """The dataset's train / validation / test tensors on ``device`` (subset sizes as a profile sets them)."""
    check_dataset_name(name)
    ensure_available(name, Path(root), download)
    return _load_cpu(name, str(Path(root).resolve()), train_size, val_size, test_size).to(device)
