"""Per-layer output shapes and parameter counts (what course reports count by hand)."""
import torch


def summarize(model, input_size):
    """Run one zero image of ``input_size`` (C, H, W) through ``model.forward`` and record every
    leaf module's output shape and trainable parameters. Returns (rows, total, trainable) with rows
    of (name, type, output shape, trainable params)."""
    rows, handles = [], []

    def record(name):
        def hook(module, inputs, output):
            shape = tuple(output.shape) if isinstance(output, torch.Tensor) else \
                [tuple(o.shape) for o in output if isinstance(o, torch.Tensor)]
            params = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
            rows.append((name, type(module).__name__, shape, params))
        return hook

    for name, module in model.named_modules():
        if name and not any(True for _ in module.children()):
            handles.append(module.register_forward_hook(record(name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, *input_size))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    trainable, total = count_parameters(model)
    return rows, total, trainable


def count_parameters(model):
    """(trainable, total) parameter counts: frozen stages show as the gap between the two."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def format_summary(rows, total, trainable):
    width = max([len(r[0]) for r in rows] + [5])
    lines = [f'{"layer":<{width}}  {"type":<18} {"output shape":<24} {"params":>12}']
    lines += [f'{name:<{width}}  {kind:<18} {str(shape):<24} {params:>12,}' for name, kind, shape, params in rows]
    lines.append(f'total parameters: {total:,}   trainable: {trainable:,}')
    return '\n'.join(lines)
