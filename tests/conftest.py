"""Shared fixtures: a small synthetic VOC devkit and the real VOC samples in tests/data."""
import logging
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parent.parent
# Real PASCAL VOC 2007/2012 files, shipped with the tests (tests/data/voc-samples/SOURCE.md).
VOC_SAMPLES = REPO_ROOT / 'tests' / 'data' / 'voc-samples' / 'VOCdevkit'


@pytest.fixture(scope='session', autouse=True)
def one_torch_thread():
    """The suite runs on one torch thread: its tensors are tiny, and on a shared 2-core machine two
    spinning OpenMP threads made a 30-step toy training 100x slower (15 s instead of 0.13 s)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope='module', autouse=True)
def restore_vlrkit_logger():
    """Undo what building a Runner does to the 'vlrkit' logger (own handlers, no propagation).

    Tests read that logger through pytest's caplog, which needs propagation; a test that builds a
    Runner must not leave the logger changed for the next module.
    """
    yield
    logger = logging.getLogger('vlrkit')
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)
    logger.propagate = True


@pytest.fixture(scope='session')
def demo_voc_root(tmp_path_factory):
    """A small demo VOCdevkit (40 trainval + 20 test images of 128 px, seed 0); returns its path."""
    from vlrkit.datasets.demo_data import make_demo_voc
    return make_demo_voc(tmp_path_factory.mktemp('demo_voc'), num_trainval=40, num_test=20,
                         image_size=128, seed=0)


@pytest.fixture(scope='session')
def voc_samples_root():
    """The real PASCAL VOC sample files (VOC2007 and VOC2012 folders) shipped in tests/data."""
    assert VOC_SAMPLES.is_dir(), f'{VOC_SAMPLES} is missing from this checkout'
    return VOC_SAMPLES


def write_voc(root, objects_by_id, year='2007', split='trainval', size=(64, 48)):
    """A tiny VOC tree: ``objects_by_id`` maps an id to [(name, box, difficult), ...]."""
    from PIL import Image
    voc = Path(root) / 'VOCdevkit' / f'VOC{year}'
    for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
        (voc / sub).mkdir(parents=True, exist_ok=True)
    for img_id, objects in objects_by_id.items():
        Image.new('RGB', size, (90, 90, 90)).save(voc / 'JPEGImages' / f'{img_id}.jpg')
        objs = ''.join(
            f'<object><name>{n}</name><difficult>{d}</difficult><bndbox><xmin>{b[0]}</xmin>'
            f'<ymin>{b[1]}</ymin><xmax>{b[2]}</xmax><ymax>{b[3]}</ymax></bndbox></object>'
            for n, b, d in objects)
        (voc / 'Annotations' / f'{img_id}.xml').write_text(
            f'<annotation><size><width>{size[0]}</width><height>{size[1]}</height></size>'
            f'{objs}</annotation>')
    (voc / 'ImageSets' / 'Main' / f'{split}.txt').write_text('\n'.join(objects_by_id) + '\n')
    return Path(root) / 'VOCdevkit'


@pytest.fixture
def voc_writer():
    """``write_voc(root, {id: [(name, (x1, y1, x2, y2), difficult), ...]})`` -> VOCdevkit path."""
    return write_voc
