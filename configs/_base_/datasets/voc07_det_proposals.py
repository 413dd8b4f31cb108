# PASCAL VOC 2007 with the homework's selective search proposals, for region-based weakly-supervised
# detectors (WSDDN, OICR): train on trainval (5,011 images) with image labels only
# (mode='classification', which keeps the objects for localisation scores), test on test (4,952
# images) in detection mode. Put the devkit and the Fast R-CNN proposal files at
#   data/VOCdevkit/VOC2007/{JPEGImages,Annotations,ImageSets/Main}
#   data/VOCdevkit/VOC2007/selective_search_data/voc_2007_{trainval,test}.mat
# (selective_search_data.tgz, fetched by fast-rcnn's data/scripts/fetch_selective_search_data.sh);
# a missing file stops the build with this instruction. Each split reads its own file, keeping the
# 300 best-scoring proposals of every image.
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit'
proposal_dir = data_root + '/VOC2007/selective_search_data'
top_n = 300
input_size = 512   # the homework's 512 x 512 input (stretched, no padding)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', top_n=top_n,
                                           file=proposal_dir + '/voc_2007_trainval.mat')),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Normalize'),              # ImageNet mean / std
    dict(type='PackSample'),             # labels (20,) multi-hot, difficult (20,), proposals
]
test_pipeline = [
    dict(type='LoadImage'),
    dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', top_n=top_n,
                                           file=proposal_dir + '/voc_2007_test.mat')),
    dict(type='Resize', scale=(input_size, input_size), keep_ratio=False),
    dict(type='Normalize'),
    dict(type='PackSample'),             # boxes, labels, difficult per object, proposals
]
train_dataloader = dict(
    batch_size=1, shuffle=True,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='trainval',
                 mode='classification', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, shuffle=False,
    dataset=dict(type=dataset_type, data_root=data_root, year='2007', split='test',
                 mode='detection', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='VOCDetectionMetric', iou_thr=0.5, eval_mode='area', classwise=True),  # voc/mAP, voc/AP/<cls>
    dict(type='CorLocMetric', with_map=False),                                       # loc/corloc
]
test_evaluator = val_evaluator
