# scikit-learn's handwritten digits (1,797 real 8x8 scans, bundled: no download), upsampled to 28 px.
# num_workers=0: the digits are tensors in memory; a worker process would only add start-up.
train_dataloader = dict(
    batch_size=16, num_workers=0, shuffle=True,
    dataset=dict(type='Digits', split='train', image_size=28))
val_dataloader = dict(
    batch_size=256, num_workers=0,
    dataset=dict(type='Digits', split='test', image_size=28))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
