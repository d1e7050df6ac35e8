import pytest
import torch

from paperlib.model import LeNet, count_parameters, feature_side


@pytest.mark.parametrize("conv_size", range(2, 8))
def test_every_conv_size_gives_ten_logits(conv_size):
    model = LeNet(conv_size, hidden_size=124, dropout_rate=0.5)
    out = model(torch.zeros(3, 1, 28, 28))
    assert out.shape == (3, 10)
    # conv1 keeps 28x28 (same padding, even kernels too), pooling halves it, conv2 is unpadded.
    first = model.features[:2](torch.zeros(1, 1, 28, 28))
    assert first.shape == (1, 6, 28, 28)
    assert feature_side(28, conv_size) == (14 - conv_size + 1) // 2


def test_parameter_count_by_hand():
    # conv_size 5: conv1 1*6*25+6, conv2 6*16*25+16, fc 16*5*5*100+100, out 100*10+10
    expected = (150 + 6) + (2400 + 16) + (400 * 100 + 100) + (1000 + 10)
    assert count_parameters(LeNet(5, 100, 0.5)) == expected


def test_dropout_rate_is_the_drop_probability():
    model = LeNet(5, 1000, dropout_rate=0.9).train()
    dropout = model.classifier[3]
    kept = (dropout(torch.ones(10000)) != 0).float().mean().item()
    assert kept == pytest.approx(0.1, abs=0.02)
