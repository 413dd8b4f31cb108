"""The analysis configs load, name layers their models have, and CaffeNet's fields are AlexNet's."""

import pytest
import torch

from vlrkit.config import load_config
from vlrkit.evaluation.analysis.analyze import analysis_name
from vlrkit.evaluation.analysis.features import find_module
from vlrkit.evaluation.analysis.receptive_field import receptive_field
from vlrkit.registry import EVALUATORS, MODELS
from helpers import REPO

ROOT = REPO
CONFIGS = sorted((ROOT / 'configs/analysis').glob('*.py'))


def build_on_meta(cfg):
    """The config's model with shapes only (no memory, no weights): enough to check names."""
    model_cfg = cfg.model.copy()
    if 'pretrained' in model_cfg.get('backbone', {}):
        model_cfg.backbone.pretrained = None  # offline test: no ImageNet weights
    with torch.device('meta'):
        return MODELS.build(model_cfg)


@pytest.mark.parametrize('path', CONFIGS, ids=[p.stem for p in CONFIGS])
def test_analysis_config_names_real_layers(path):
    cfg = load_config(path)
    model = build_on_meta(cfg)
    names = [analysis_name(a) for a in cfg.analysis]
    assert len(set(names)) == len(names), 'each analysis needs a distinct name to be selected by'
    for analysis in cfg.analysis:
        analysis = dict(analysis)
        analysis.pop('name', None)
        evaluator = EVALUATORS.build(analysis)
        for layer in [getattr(evaluator, 'layer', None), *getattr(evaluator, 'filters', {})]:
            if layer:
                find_module(model, layer)


def test_caffenet_fields_are_alexnets():
    model = build_on_meta(load_config(ROOT / 'configs/analysis/caffenet_voc_analysis.py'))
    fields = {name: receptive_field(model, f'backbone.{name}', (3, 227, 227)).rf
              for name in ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5']}
    assert fields == dict(conv1=11, pool1=19, conv2=51, pool2=67, conv3=99, conv4=131, conv5=163,
                          pool5=195)
