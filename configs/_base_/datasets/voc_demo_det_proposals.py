# Synthetic VOC-layout demo data (1,000 trainval + 500 test images of 128 px, seed 0, generated
# into data_root on first use) with selective search proposals, for region-based weakly-supervised
# detectors (WSDDN, OICR). Training sees image labels only (mode='classification', which keeps the
# objects for localisation scores); val / test are detection mode, scored as a detector is.
#
# Proposals: OpenCV selective search, 'fast' mode, on the 128 px originals, computed once when the
# dataset is built (about 0.06 s an image) and cached beside the images in
# VOC2007/selective_search_cache/fast_full/. Why this source: on 100 `val` images it gives ~94
# boxes an image and its top 50 / all boxes cover 98% / 100% of the objects at IoU >= 0.5
# ('quality' mode: 99% / 100% for 5x the time and 2.5x the boxes). top_n=300 keeps them all.
dataset_type = 'DemoVOCDataset'
data_root = 'data/demo/VOCdevkit'
demo_settings = dict(num_trainval=1000, num_test=500, image_size=128, seed=0)
proposal_source = dict(type='SelectiveSearch', mode='fast', top_n=300, max_side=None)
input_size = 128
# The memory cache keeps the decoded 128 px images; LoadProposals scales the proposals to them.
image_cache = dict(type='memory', size=(128, 128))
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadProposals', source=proposal_source),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadProposals', source=proposal_source),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),
]
# num_workers=0 (not 'auto'): as in voc_demo_cls.py, the cached demo loads in the main process
# and its random flips do not depend on the machine's CPU count, so documented results repeat.
train_dataloader = dict(
    batch_size=16, num_workers=0, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval', mode='classification',
                 pipeline=train_pipeline, cache=image_cache, **demo_settings))
val_dataloader = dict(
    batch_size=50, num_workers=0, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', mode='detection',
                 pipeline=test_pipeline, cache=image_cache, **demo_settings))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='VOCDetectionMetric', iou_thr=0.5, eval_mode='area'),   # voc/mAP: det mAP@0.5
    dict(type='CorLocMetric', with_map=False),                        # loc/corloc
]
test_evaluator = val_evaluator
