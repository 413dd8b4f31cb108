"""A short multi-label training run on demo data must beat chance mAP by a wide margin."""
import numpy as np

from vlrkit.config import load_config
from vlrkit.datasets.demo_data import make_demo_voc
from vlrkit.engine.runner import Runner
from vlrkit.evaluation.functional.multilabel import multilabel_map

SIZE = 32   # the demo's 64 px images at half size: colour and outline are still clear


def test_convnet_demo_beats_chance(tmp_path):
    root = make_demo_voc(tmp_path / 'demo', num_trainval=300, num_test=100, image_size=64, seed=0)
    cfg = load_config('configs/convnet/convnet_voc_demo.py', cfg_options={
        'model.backbone.input_size': SIZE,
        'model.backbone.layers': ['conv3-16', 'maxpool2', 'conv3-32', 'maxpool2', 'conv3-64', 'gmp', 'fc64'],
        'model.head.in_channels': 64,
        'default_hooks.tensorboard': None,
        'work_dir': str(tmp_path / 'work')})
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader]['dataset']
        dataset.update(type='VOCDataset', data_root=str(root), cache=dict(type='memory', size=(SIZE, SIZE)))
        for key in ('num_trainval', 'num_test', 'image_size', 'seed'):
            dataset.pop(key)
        dataset['pipeline'][1]['scale'] = (SIZE, SIZE)
    cfg.param_scheduler = []   # a constant 3e-3 learns more in 8 short epochs than the cosine decay
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()

    infos = runner.test_dataloader.dataset.data_infos
    targets = np.stack([i['img_labels'] for i in infos])
    difficult = np.stack([i['img_difficult'] for i in infos])
    rng = np.random.default_rng(0)
    chance = np.mean([multilabel_map(rng.random(targets.shape), targets, difficult)[0] for _ in range(5)])
    print(f"demo mAP {metrics['multilabel/mAP']:.4f}, chance {chance:.4f}")
    assert metrics['multilabel/mAP'] > max(2 * chance, chance + 0.15), (metrics['multilabel/mAP'], chance)
    assert (tmp_path / 'work' / 'multilabel_per_class_ap.csv').is_file()
    assert any(p.name.startswith('best_multilabel_mAP') for p in (tmp_path / 'work').iterdir())
