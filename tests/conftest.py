"""Shared fixtures: a small synthetic VOC devkit and the real VOC samples from ../shared/data."""
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# CI clones the repository next to shared/, exactly like /work/<checkout> and /work/shared here.
VOC_SAMPLES = REPO_ROOT.parent / 'shared' / 'data' / 'voc-samples' / 'VOCdevkit'


@pytest.fixture(scope='session')
def demo_voc_root(tmp_path_factory):
    """A small demo VOCdevkit (40 trainval + 20 test images of 128 px, seed 0); returns its path."""
    from vlrkit.datasets.demo_data import make_demo_voc
    return make_demo_voc(tmp_path_factory.mktemp('demo_voc'), num_trainval=40, num_test=20,
                         image_size=128, seed=0)


@pytest.fixture(scope='session')
def voc_samples_root():
    """The real PASCAL VOC sample files (VOC2007 and VOC2012 folders); skips if not present."""
    if not VOC_SAMPLES.is_dir():
        pytest.skip(f'real VOC samples not found at {VOC_SAMPLES}')
    return VOC_SAMPLES
