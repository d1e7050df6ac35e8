"""The LeNet of docs/paper.md#reading-1, built from one configuration of Table 2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class LeNetShape:
    """The fixed, documented parts of the architecture (not searched)."""

    in_channels: int = 1
    """Input channels (grayscale)."""
    image_size: int = 28
    """Input height and width in pixels."""
    conv1_channels: int = 6
    """Channels of the first convolution (LeNet-5's 6)."""
    conv2_channels: int = 16
    """Channels of the second convolution (LeNet-5's 16)."""
    num_classes: int = 10
    """Outputs of the last layer."""


class LeNet(nn.Module):
    """conv → ReLU → 2×2 max-pool, twice; a hidden dense layer with ReLU and dropout; the classes (docs/paper.md#reading-1).

    Each block pools before its ReLU, which gives exactly LeNet's outputs and gradients, faster
    (docs/decisions.md#lenet-pool-before-relu); conv1 pads to keep 28×28 (#lenet-padding).
    """

    def __init__(self, conv_size: int, hidden_size: int, dropout_rate: float, shape: LeNetShape = LeNetShape()) -> None:
        super().__init__()
        # "Same" padding for odd and even kernels alike (an even kernel pads one more pixel on the
        # right/bottom), so the 28x28 size is kept for every conv_size in [2, 7].
        before, after = (conv_size - 1) // 2, conv_size // 2
        self.features = nn.Sequential(
            nn.ZeroPad2d((before, after, before, after)),
            nn.Conv2d(shape.in_channels, shape.conv1_channels, conv_size),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Conv2d(shape.conv1_channels, shape.conv2_channels, conv_size),
            nn.MaxPool2d(2),
            nn.ReLU(),
        )
        side = feature_side(shape.image_size, conv_size)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(shape.conv2_channels * side * side, hidden_size),
            nn.ReLU(),
            nn.Dropout(dropout_rate),
            nn.Linear(hidden_size, shape.num_classes),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(images))


def feature_side(image_size: int, conv_size: int) -> int:
    """Side of the feature map after both blocks: same-padded conv, pool, valid conv, pool."""
    side = image_size // 2
    side = side - conv_size + 1
    if side < 2:
        raise ValueError(f"conv_size {conv_size} is too large for {image_size}x{image_size} images")
    return side // 2


def build_lenet(config: Mapping[str, Any], shape: LeNetShape = LeNetShape()) -> LeNet:
    """The LeNet for a Table 2 configuration (batch_size and learning_rate belong to the trial)."""
    return LeNet(int(config["conv_size"]), int(config["hidden_size"]), float(config["dropout_rate"]), shape)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
