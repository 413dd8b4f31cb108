"""Offline pretrained loading: hub cache, explicit file, the missing-file message, key maps."""
import re

import pytest
import torch
import torch.nn as nn
import torchvision

from vlrkit.models.backbones.resnet import ResNet
from vlrkit.models.pretrained import (load_checkpoint, load_pretrained, load_torchvision_state_dict,
                                      remap_keys, weights_cache_path, weights_file_name)

RESNET18 = 'ResNet18_Weights.IMAGENET1K_V1'


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """An empty torch hub cache, and any download attempt is a test failure."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    assert torch.hub.get_dir() == str(tmp_path / 'hub')

    def no_download(*args, **kwargs):
        raise AssertionError('something tried to download')
    monkeypatch.setattr(torch.hub, 'load_state_dict_from_url', no_download)
    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_download)
    return tmp_path


def fake_imagenet_resnet18(path):
    """A torchvision resnet18 state dict with recognisable values, saved where asked."""
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), path)
    return net


def test_cache_path_follows_torchvision_url(torch_home):
    assert weights_file_name(RESNET18) == 'resnet18-f37072fd.pth'
    assert weights_cache_path(RESNET18) == torch_home / 'hub' / 'checkpoints' / 'resnet18-f37072fd.pth'


def test_missing_weights_error_says_what_to_put_where(torch_home):
    with pytest.raises(FileNotFoundError) as err:
        ResNet(depth=18, pretrained='imagenet')
    msg = str(err.value)
    assert "'resnet18-f37072fd.pth'" in msg
    assert repr(str(torch_home / 'hub' / 'checkpoints')) in msg
    assert 'https://download.pytorch.org/models/resnet18-f37072fd.pth' in msg
    with pytest.raises(FileNotFoundError, match='resnet50-0676ba61.pth'):
        ResNet(depth=50, pretrained='imagenet')


def test_imagenet_weights_from_hub_cache(torch_home):
    reference = fake_imagenet_resnet18(torch_home / 'hub' / 'checkpoints' / 'resnet18-f37072fd.pth')
    backbone = ResNet(depth=18, pretrained='imagenet')
    assert torch.equal(backbone.layer4[1].conv2.weight, reference.layer4[1].conv2.weight)
    assert torch.equal(backbone.bn1.running_mean, reference.bn1.running_mean)
    report = backbone.load_report
    assert not report.missing and not report.unexpected and not report.shape_mismatch
    assert not any(k.startswith('fc.') for k in report.loaded)  # the ImageNet classifier is dropped


def test_imagenet_weights_from_explicit_path(torch_home, tmp_path):
    file = tmp_path / 'elsewhere' / 'r18.pth'
    reference = fake_imagenet_resnet18(file)
    backbone = ResNet(depth=18, pretrained=str(file))
    assert torch.equal(backbone.conv1.weight, reference.conv1.weight)
    state = load_torchvision_state_dict(RESNET18, path=file)
    assert 'fc.weight' in state


def test_checkpoint_nested_under_state_dict_and_weights_only(tmp_path):
    net = nn.Linear(3, 2)
    torch.save({'state_dict': net.state_dict(), 'meta': {'epoch': 3}}, tmp_path / 'ckpt.pth')
    other = nn.Linear(3, 2)
    report = load_checkpoint(other, tmp_path / 'ckpt.pth', strict=True)
    assert torch.equal(other.weight, net.weight) and report.loaded == ['bias', 'weight']


class Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 5, 3))
        self.classifier = nn.Linear(5, 1000)


class Wrapped(nn.Module):
    """Our names differ: the features live under backbone., the classifier is a 20-class fc8."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Module()
        self.backbone.features = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 5, 3))
        self.fc8 = nn.Linear(5, 20)


def test_key_map_prefix_loads_mismatched_names_and_reports(tmp_path):
    source = Features()
    torch.save(source.state_dict(), tmp_path / 'src.pth')
    target = Wrapped()
    report = load_checkpoint(target, tmp_path / 'src.pth', key_map={'features.': 'backbone.features.'})
    assert torch.equal(target.backbone.features[2].weight, source.features[2].weight)
    assert report.loaded == ['backbone.features.0.bias', 'backbone.features.0.weight',
                             'backbone.features.2.bias', 'backbone.features.2.weight']
    assert report.missing == ['fc8.bias', 'fc8.weight']
    assert report.unexpected == ['classifier.bias', 'classifier.weight']
    assert 'missing in checkpoint' in str(report) and 'classifier.weight' in str(report)


def test_key_map_regex_and_shape_mismatch_skipped(tmp_path):
    source = Features()
    torch.save(source.state_dict(), tmp_path / 'src.pth')
    target = Wrapped()
    before = target.fc8.weight.clone()
    report = load_checkpoint(target, tmp_path / 'src.pth',
                             key_map=[(r'^features\.', 'backbone.features.'), (r'^classifier\.', 'fc8.')])
    assert torch.equal(target.fc8.weight, before)  # 1000-class weights do not fit 20 classes
    assert [k for k, _, _ in report.shape_mismatch] == ['fc8.bias', 'fc8.weight']
    assert not report.unexpected
    assert 'shape mismatch' in str(report)


def test_strict_load_fails_with_the_keys_named(tmp_path):
    torch.save(Features().state_dict(), tmp_path / 'src.pth')
    with pytest.raises(RuntimeError, match=re.escape("'classifier.bias'")):
        load_checkpoint(Wrapped(), tmp_path / 'src.pth', strict=True)


def test_remap_keys_rules():
    state = {'a.x': 1, 'b.y': 2}
    assert remap_keys(state, {'a.': 'net.a.'}) == {'net.a.x': 1, 'b.y': 2}
    assert remap_keys(state, {'': 'm.'}) == {'m.a.x': 1, 'm.b.y': 2}
    assert remap_keys(state, [(r'\.(\w)$', r'_\1')]) == {'a_x': 1, 'b_y': 2}
    with pytest.raises(ValueError, match='two checkpoint keys'):
        remap_keys(state, [(r'^\w\.', '')] * 1 + [(r'^[xy]$', 'z')])
    with pytest.raises(TypeError, match='key_map'):
        remap_keys(state, 'a.')


def test_missing_or_corrupt_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_pretrained(nn.Linear(1, 1), str(tmp_path / 'nope.pth'), RESNET18)
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match='bad.pth'):
        load_checkpoint(nn.Linear(1, 1), bad)
