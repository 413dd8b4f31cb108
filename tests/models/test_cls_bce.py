"""Binary cross-entropy, on logits and on probabilities: difficult masking with avg_factor, reductions, loss_weight."""
import math

import pytest
import torch

from vlrkit.registry import LOSSES


def bce(logit, target):
    p = 1 / (1 + math.exp(-logit))
    return -(target * math.log(p) + (1 - target) * math.log(1 - p))


def test_difficult_entries_masked_and_averaged_over_valid():
    loss_fn = LOSSES.build(dict(type='BCEWithLogitsLoss'))
    pred = torch.tensor([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
    target = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    difficult = torch.tensor([[False, True, False], [False, False, True]])
    weight = (~difficult).float()
    loss = loss_fn(pred, target, weight=weight, avg_factor=weight.sum())
    expected = (bce(2.0, 1) + bce(0.5, 1) + bce(0.0, 0) + bce(3.0, 1)) / 4
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # a masked entry can be arbitrarily wrong without changing the loss
    pred2 = pred.clone()
    pred2[0, 1] = 50.0
    assert loss_fn(pred2, target, weight=weight, avg_factor=weight.sum()).item() == pytest.approx(loss.item())


def test_reductions_and_loss_weight():
    pred, target = torch.tensor([1.0, -1.0]), torch.tensor([1.0, 1.0])
    per = [bce(1.0, 1), bce(-1.0, 1)]
    assert LOSSES.build(dict(type='BCEWithLogitsLoss'))(pred, target).item() == pytest.approx(sum(per) / 2)
    assert LOSSES.build(dict(type='BCEWithLogitsLoss', reduction='sum', loss_weight=2.0))(
        pred, target).item() == pytest.approx(2 * sum(per))
    none = LOSSES.build(dict(type='BCEWithLogitsLoss', reduction='none'))(pred, target)
    assert none.tolist() == pytest.approx(per)
    with pytest.raises(ValueError, match='avg_factor'):
        LOSSES.build(dict(type='BCEWithLogitsLoss', reduction='sum'))(pred, target, avg_factor=2.0)


def test_all_masked_batch_gives_zero_not_nan():
    loss_fn = LOSSES.build(dict(type='BCEWithLogitsLoss'))
    pred = torch.randn(2, 3, requires_grad=True)
    loss = loss_fn(pred, torch.ones(2, 3), weight=torch.zeros(2, 3), avg_factor=torch.tensor(0.0))
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(pred.grad).all()


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match='same shape'):
        LOSSES.build(dict(type='BCEWithLogitsLoss'))(torch.zeros(2, 3), torch.zeros(2, 4))


def test_bce_on_probabilities_matches_the_formula_and_masks_difficult_entries():
    loss_fn = LOSSES.build(dict(type='BCELoss', loss_weight=2.0))
    probs = torch.tensor([[0.9, 0.2], [0.0, 1.0]])        # exact 0 and 1: finite (log clamped)
    target = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    weight = torch.tensor([[1.0, 1.0], [0.0, 1.0]])       # the 0-against-1 entry is difficult
    loss = loss_fn(probs, target, weight=weight, avg_factor=weight.sum())
    assert loss.item() == pytest.approx(2 * (-math.log(0.9) - math.log(0.8) + 0.0) / 3, rel=1e-5)
    unmasked = loss_fn(probs, target)
    assert unmasked.item() == pytest.approx(2 * (-math.log(0.9) - math.log(0.8) + 100) / 4, rel=1e-5)


def test_bce_on_probabilities_runs_under_autocast():
    with torch.autocast('cpu', dtype=torch.bfloat16):
        probs = torch.tensor([0.3, 0.6]).to(torch.bfloat16)
        loss = LOSSES.build(dict(type='BCELoss'))(probs, torch.tensor([0.0, 1.0]))
    expected = (-math.log(1 - probs[0].float().item()) - math.log(probs[1].float().item())) / 2
    assert loss.dtype == torch.float32 and loss.item() == pytest.approx(expected, rel=1e-5)
