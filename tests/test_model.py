import pytest
import torch

from paperlib.lenet.model import LeNet, count_parameters, feature_side


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


@pytest.mark.parametrize("conv_size", [2, 5])
def test_pooling_before_relu_is_exactly_lenets_relu_then_pool(conv_size):
    # The blocks pool before their ReLU for speed; the textbook order must give identical outputs and gradients,
    # ties included (blank borders make whole pooling windows equal).
    torch.manual_seed(0)
    model = LeNet(conv_size, hidden_size=64, dropout_rate=0.0)
    pad, conv1, pool1, relu1, conv2, pool2, relu2 = model.features
    assert isinstance(pool1, torch.nn.MaxPool2d) and isinstance(relu1, torch.nn.ReLU)
    textbook = torch.nn.Sequential(pad, conv1, relu1, pool1, conv2, relu2, pool2)
    images = torch.rand(8, 1, 28, 28) * (torch.rand(8, 1, 28, 28) > 0.6)
    images[:, :, :6] = 0.0
    labels = torch.arange(8) % 10
    gradients = []
    for features in (model.features, textbook):
        model.zero_grad()
        logits = model.classifier(features(images))
        torch.nn.functional.cross_entropy(logits, labels).backward()
        gradients.append((logits.detach(), [p.grad.clone() for p in model.parameters()]))
    (ours, ours_grads), (theirs, their_grads) = gradients
    assert torch.equal(ours, theirs)
    assert all(torch.equal(a, b) for a, b in zip(ours_grads, their_grads))
