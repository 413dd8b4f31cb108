"""Tiny models and synthetic batches shared by the analysis tests (not a test module itself).

Images are 3 x 16 x 16; class c is a bright square in colour channel c, so every analysis has an
answer known in advance. ``toy_config`` makes a whole Runner config of them that trains in a second.
"""
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from vlrkit.config import load_config
from vlrkit.evaluation.metric import EvalContext
from vlrkit.models.base import BaseModel
from vlrkit.registry import DATASETS, MODELS

from helpers import write_config



class ToyClassifier(BaseModel):
    """backbone (conv1, pool1, conv2, pool2) + head (fc) with the vlrkit model contract."""

    def __init__(self, num_classes=3, multilabel=False):
        super().__init__()
        self.multilabel = multilabel
        self.backbone = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(3, 8, 3, padding=1), relu1=nn.ReLU(), pool1=nn.MaxPool2d(2),
            conv2=nn.Conv2d(8, 16, 3, padding=1), relu2=nn.ReLU(),
            pool2=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten()))
        self.head = nn.Sequential(OrderedDict(fc=nn.Linear(16, num_classes)))

    def forward(self, images):
        return self.head(self.backbone(images))

    def loss(self, batch):
        logits = self(batch['images'])
        if self.multilabel:
            return {'loss_cls': F.binary_cross_entropy_with_logits(logits, batch['labels'].float())}
        return {'loss_cls': F.cross_entropy(logits, batch['labels'])}

    def predict(self, batch):
        logits = self(batch['images'])
        scores = logits.sigmoid() if self.multilabel else logits.softmax(dim=1)
        return [dict(scores=s, pred_label=s.argmax()) for s in scores]


def colour_batch(labels, size=16, seed=0, start=0):
    """Images with a bright 6x6 square in channel ``label`` at a random place (``corners``)."""
    gen = torch.Generator().manual_seed(seed)
    images = 0.1 * torch.randn(len(labels), 3, size, size, generator=gen)
    corners = []
    for i, label in enumerate(labels):
        y, x = torch.randint(0, size - 6, (2,), generator=gen).tolist()
        images[i, label, y:y + 6, x:x + 6] += 2.0
        corners.append((y, x))
    return dict(images=images, labels=torch.as_tensor(labels), corners=corners,
                img_id=[f'img{start + i}' for i in range(len(labels))])


def train_toy(model, batches, steps=30, lr=0.5):
    """A few plain gradient steps so the toy classifier predicts the colour classes.

    Written out instead of torch.optim because the first optimizer step imports torch._dynamo,
    which costs seconds on a loaded machine.
    """
    model.train()
    for step in range(steps):
        batch = batches[step % len(batches)]
        model.zero_grad()
        model.loss(batch)['loss_cls'].backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
    return model.eval()


def run_evaluator(evaluator, model, batches, work_dir, class_names=None, writer=None):
    """What analyze.py does: bind the model, feed the batches with the model's predictions."""
    evaluator.bind(model)
    evaluator.set_context(EvalContext(work_dir=work_dir, writer=writer, class_names=class_names))
    with torch.no_grad():
        for batch in batches:
            evaluator.process(batch, model.eval().predict(batch))
    return evaluator.compute()


class ToyColours(torch.utils.data.Dataset):
    """``colour_batch`` as a dataset of ``num`` samples, classes in turn, with multi-hot labels
    (so MultiLabelMAP reports per-class keys)."""

    class_names = ('red', 'green', 'blue')

    def __init__(self, num=12, seed=0):
        batch = colour_batch([i % 3 for i in range(num)], seed=seed)
        self.images, self.ids = batch['images'], batch['img_id']
        self.labels = F.one_hot(batch['labels'], len(self.class_names)).float()

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        return dict(image=self.images[index], labels=self.labels[index], img_id=self.ids[index])


TOY_CONFIG = """
_base_ = ['{CONFIGS}/_base_/default_runtime.py']
model = dict(type='ToyClassifier', num_classes=3, multilabel=True)
train_dataloader = dict(batch_size=4, num_workers=0, shuffle=True,
                        dataset=dict(type='ToyColours', num=12))
val_dataloader = dict(batch_size=12, num_workers=0, dataset=dict(type='ToyColours', num=9, seed=1))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiLabelMAP', ap_chart=False)
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=2)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(logger=dict(interval=1), tensorboard=dict(interval=1),
                     checkpoint=dict(save_best='multilabel/mAP'))
"""


def toy_config(folder, **options):
    """A Runner config (default runtime, ToyClassifier on ToyColours, two epochs of 3 iterations,
    MultiLabelMAP) written to ``folder/toy_colours.py``; the run's work_dir is ``folder/work``.

    Registers the two toys in vlrkit's registries here, not on import of this module.
    """
    MODELS.register_module(name='ToyClassifier', module=ToyClassifier, force=True)
    DATASETS.register_module(name='ToyColours', module=ToyColours, force=True)
    path = write_config(Path(folder) / 'toy_colours.py', TOY_CONFIG)
    return load_config(path, cfg_options={'work_dir': str(Path(folder) / 'work'), **options})
