# Fashion-MNIST: put the four *-ubyte.gz files in data/fashion_mnist/ (see docs/get_started.md).
data_root = 'data/fashion_mnist'
train_dataloader = dict(
    batch_size=64, shuffle=True,
    dataset=dict(type='FashionMNIST', data_root=data_root, split='train'))
val_dataloader = dict(
    batch_size=256,
    dataset=dict(type='FashionMNIST', data_root=data_root, split='test'))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
