"""One trial: train the LeNet of a configuration with the fixed recipe, then score it.

The recipe (docs/paper.md#reading-9) is the same for every method; its speed settings change how
fast a trial runs, not what it computes (docs/decisions.md#trainer-speed, #tried-and-dropped).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.metrics import cohen_kappa_score
from torch import nn

from paperlib.lenet.data import Splits
from paperlib.lenet.model import build_lenet, count_parameters

OK, DIVERGED, OUT_OF_MEMORY = "ok", "diverged", "out_of_memory"
"""Trial statuses: trained normally, stopped because the loss became NaN or infinite, or the device ran out of memory."""


@dataclass(frozen=True)
class Recipe:
    """The fixed training recipe shared by every method."""

    epochs: float = 1.0
    """Epochs over the training split at budget 1.0 (the profile sets it)."""
    momentum: float = 0.9
    """SGD momentum."""
    eval_batch_size: int = 512
    """Images per forward pass when scoring; 512 keeps a batch's activations in a CPU's cache (4096 is slower)."""
    check_every: int = 50
    """Training steps between divergence checks (each check waits for the device once)."""
    threads: int | None = 1
    """CPU threads a trial computes with (None: torch's setting); one, and several trials side by side
    (docs/decisions.md#one-thread-per-trial).
    """
    channels_last: bool = True
    """On the CPU, hold the LeNet in channels-last layout (oneDNN's faster convolution and pooling kernels)."""
    fused_sgd: bool = True
    """Update all parameters in one fused SGD kernel instead of a Python loop over them (same update rule)."""

    def steps(self, budget: float, train_size: int, batch_size: int) -> int:
        """Optimizer steps for a budget: ``budget * epochs`` passes over the data, at least one step."""
        if not 0.0 < budget <= 1.0:
            raise ValueError(f"budget must be in (0, 1], got {budget!r}")
        return max(1, math.ceil(budget * self.epochs * train_size / batch_size))


@dataclass(frozen=True)
class TrialResult:
    """What one trial measured."""

    status: str
    """``ok``, ``diverged`` or ``out_of_memory``."""
    val_accuracy: float
    """Validation accuracy; chance level (1 / classes) for a failed trial."""
    seconds: float
    """Wall time of training plus scoring."""
    train_seconds: float
    """Wall time of the training steps alone."""
    steps: int
    """Optimizer steps taken."""
    num_parameters: int
    """Trainable parameters of the LeNet."""
    test_accuracy: float | None = None
    """Test accuracy, when asked for (final evaluation only)."""
    kappa: float | None = None
    """Cohen's kappa on the test set, when asked for."""
    cpu_seconds: float | None = None
    """CPU time of this process during the trial, all its threads (unlike wall time, not inflated by other work)."""


def predict(model: nn.Module, images: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Predicted classes for ``images``, in large batches without autograd."""
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(images[i : i + batch_size]).argmax(1) for i in range(0, len(images), batch_size)])


@contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` intra-op CPU threads (None: unchanged), then restore the previous number."""
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def kappa(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Cohen's kappa (scikit-learn's), the paper's agreement metric."""
    return float(cohen_kappa_score(labels, predictions))


def run_trial(
    config: Mapping[str, Any],
    splits: Splits,
    budget: float = 1.0,
    seed: int = 0,
    recipe: Recipe = Recipe(),
    evaluate_test: bool = False,
) -> TrialResult:
    """Train ``config``'s LeNet on ``splits.train_*`` for ``budget`` of the recipe and score it.

    A loss that turns NaN or infinite ends training with status ``diverged`` and chance-level
    accuracy (a diverged network predicts no better than chance); it never raises.
    """
    with cpu_threads(recipe.threads):
        start, cpu_start = time.perf_counter(), time.process_time()
        generator = torch.Generator(device="cpu").manual_seed(seed)
        model, optimizer = _model_and_optimizer(config, splits.train_x.device, seed, recipe)
        batch_size, n = int(config["batch_size"]), len(splits.train_y)
        steps = recipe.steps(budget, n, batch_size)

        model.train()
        status, step = OK, 0
        try:
            step = _train(model, optimizer, splits, steps, batch_size, seed, generator, recipe.check_every)
        except _Diverged as stopped:
            status, step = DIVERGED, stopped.step
        except torch.cuda.OutOfMemoryError:
            status = OUT_OF_MEMORY
            torch.cuda.empty_cache()
        train_seconds = time.perf_counter() - start

        if status != OK:
            val_accuracy, test_accuracy, test_kappa = 1.0 / 10, None, None
        else:
            val_accuracy = float((predict(model, splits.val_x, recipe.eval_batch_size) == splits.val_y).float().mean())
            test_accuracy = test_kappa = None
            if evaluate_test:
                predicted = predict(model, splits.test_x, recipe.eval_batch_size)
                test_accuracy = float((predicted == splits.test_y).float().mean())
                test_kappa = kappa(splits.test_y.cpu().numpy(), predicted.cpu().numpy())
    return TrialResult(
        status=status,
        val_accuracy=val_accuracy,
        seconds=time.perf_counter() - start,
        train_seconds=train_seconds,
        cpu_seconds=time.process_time() - cpu_start,
        steps=step,
        num_parameters=count_parameters(model),
        test_accuracy=test_accuracy,
        kappa=test_kappa,
    )


def _model_and_optimizer(
    config: Mapping[str, Any], device: torch.device, seed: int, recipe: Recipe
) -> tuple[nn.Module, torch.optim.Optimizer]:
    """``config``'s LeNet initialised from ``seed`` on ``device``, and its SGD optimizer."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        model = build_lenet(config).to(device)
    if recipe.channels_last and device.type == "cpu":
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=float(config["learning_rate"]), momentum=recipe.momentum, fused=recipe.fused_sgd or None
    )
    return model, optimizer


class _Diverged(Exception):
    """Raised inside the training loop when the loss stopped being finite."""

    def __init__(self, step: int) -> None:
        super().__init__(step)
        self.step = step


def _train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    splits: Splits,
    steps: int,
    batch_size: int,
    seed: int,
    generator: torch.Generator,
    check_every: int,
) -> int:
    """The training steps of a trial; returns the number taken (raises :class:`_Diverged`)."""
    device, n = splits.train_x.device, len(splits.train_y)
    finite, step = torch.ones((), dtype=torch.bool, device=device), 0
    order = torch.empty(0, dtype=torch.long)
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)  # dropout masks
        while step < steps:
            if len(order) < batch_size:  # a new epoch: reshuffle (the last partial batch is dropped)
                order = torch.randperm(n, generator=generator).to(device)
            batch, order = order[:batch_size], order[batch_size:]
            loss = nn.functional.cross_entropy(model(splits.train_x[batch]), splits.train_y[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            finite &= torch.isfinite(loss)
            step += 1
            # One host-device sync per block of steps (``bool`` waits for the device).
            if (step % check_every == 0 or step == steps) and not bool(finite):
                raise _Diverged(step)
    return step
