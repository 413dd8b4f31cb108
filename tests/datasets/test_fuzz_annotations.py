"""Fuzzing the VOC dataset with seeded mutants of the real sample files (tests/helpers/mutants.py).

The promise under test: every load either gives a sample whose boxes are finite and inside the
image and whose labels are class indices, or raises BadInputError naming the damaged file; with
``skip_bad=True`` exactly the damaged files are skipped (and counted) and every other one loads.
No mutant may end in another exception or in a silently wrong label.
"""
import random

import pytest

from helpers.mutants import check_sample, write_mutant_tree
from vlrkit.datasets.bad_input import BadInputError
from vlrkit.datasets.voc import VOCDataset

PIPELINE = [dict(type='LoadImage'), dict(type='PackSample')]
SEED = 13
NUM_XML, NUM_JPEG, NUM_SPLIT = 260, 110, 20


def verdict(root, mid):
    """'ok' or 'error' for one mutant loaded on its own; anything else is a failure message."""
    voc = root / 'VOC2007'
    named = (str(voc / 'Annotations' / f'{mid}.xml'), str(voc / 'JPEGImages' / f'{mid}.jpg'),
             str(voc / 'ImageSets' / 'Main' / f'{mid}.txt'))
    try:
        sample = VOCDataset(root, split=mid, mode='detection', pipeline=PIPELINE)[0]
    except BadInputError as err:
        if not any(path in str(err) for path in named):
            return f'error names no file of the mutant: {err}'
        if '\n' in str(err):
            return f'error is not one line: {err!r}'
        return 'error'
    except Exception as err:  # noqa: BLE001 - the point: no other exception may escape
        return f'bare {type(err).__name__}: {err}'
    return check_sample(sample) or 'ok'


@pytest.fixture(scope='module')
def mutant_tree(tmp_path_factory, voc_samples_root):
    root = tmp_path_factory.mktemp('fuzz')
    mutants = write_mutant_tree(root, voc_samples_root, random.Random(SEED),
                                NUM_XML, NUM_JPEG, NUM_SPLIT)
    return root / 'VOCdevkit', mutants


@pytest.fixture(scope='module')
def verdicts(mutant_tree):
    root, mutants = mutant_tree
    return {mid: (kind, verdict(root, mid)) for mid, kind in mutants}


def test_every_mutant_loads_clean_or_names_its_file(verdicts):
    failures = [f'{mid} ({kind}): {v}' for mid, (kind, v) in verdicts.items()
                if v not in ('ok', 'error')]
    counts = {v: sum(1 for _, got in verdicts.values() if got == v) for v in ('ok', 'error')}
    print(f'{len(verdicts)} mutants: {counts["ok"]} loaded OK, {counts["error"]} clear errors')
    assert not failures, '\n'.join(failures)
    # The suite must exercise both outcomes for XML and JPEG mutants, or it tests nothing.
    for prefix in ('jpeg', 'split', ''):
        kinds = {v for kind, v in verdicts.values() if kind.startswith(prefix)}
        assert kinds == {'ok', 'error'}, (prefix, kinds)


def test_skip_bad_skips_exactly_the_damaged_files(mutant_tree, verdicts):
    root, mutants = mutant_tree
    ds = VOCDataset(root, split='all', mode='detection', pipeline=PIPELINE, skip_bad=True)
    returned = set()
    for index in range(len(ds)):
        sample = ds[index]
        assert check_sample(sample) is None, sample['img_id']
        returned.add(sample['img_id'])
    # A split-file mutant's data files are intact: listed in all.txt it is a good image.
    intact = {mid for mid, (kind, _) in verdicts.items() if kind.startswith('split')}
    good = {mid for mid, (_, v) in verdicts.items() if v == 'ok'} | intact
    originals = {i for i in returned if not i.startswith('m')}
    assert len(originals) == 10
    assert returned - originals == good
    assert ds.bad_input.count == len(verdicts) - len(good)
