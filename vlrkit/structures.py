"""The data contract between datasets, models and evaluators.

A dataset's ``__getitem__`` returns one *sample* dict; ``collate`` turns a list of samples into a
*batch* dict; a model's ``predict(batch)`` returns one *prediction* dict per image. Every component
reads and writes only these documented keys, so any dataset can feed any model of its task.

Sample keys (one image), written by the dataset and its pipeline:
    image         float tensor (C, H, W), already normalised
    labels        classification: long scalar (single-label) or float (K,) multi-hot;
                  detection: long (M,) class index per box
    difficult     classification: bool (K,) — class present only as difficult objects;
                  detection: bool (M,) per box
    boxes         detection only: float (M, 4) x1, y1, x2, y2 in pixels of the *input* image
    objects       classification only, optional: dict(boxes (M, 4), labels (M,), difficult (M,)) of
                  the annotated objects, so weakly-supervised models can be scored on localisation
    proposals     optional, region-based models: float (P, 4) x1, y1, x2, y2 region proposals in
                  pixels of the *input* image (moved by every geometric transform like boxes)
    proposal_scores  optional, with proposals: float (P,) the proposal source's score, highest
                  first-ranked; P differs from image to image
    img_id        str, the dataset's id of the image (VOC file stem, COCO image id, index)
    img_path      str, where the image was read from (optional)
    ori_shape     (h, w) of the image as stored on disk
    img_shape     (h, w) after resizing, before padding
    scale_factor  (sx, sy): input pixels per original pixel, to map boxes back

Batch keys: ``images`` (N, C, H, W), padded with zeros at the bottom/right to the largest image
of the batch; every other key holds a stacked tensor when all samples agree in shape and the key
is not per-object, else a list with one entry per image. ``proposals`` and ``proposal_scores``
are always lists of N tensors ((P_i, 4) and (P_i,)): a batch whose images happen to have the same
P must not change type.

Prediction keys (one image):
    scores        classification: float (K,) probabilities; detection: float (D,)
    pred_label    single-label classification: long scalar, argmax of scores
    boxes         detection: float (D, 4) x1, y1, x2, y2 in *original* image pixels
    labels        detection: long (D,) class index per box
"""
import numpy as np
import torch
import torch.nn.functional as F

# Keys that hold one entry per object in detection; they never stack across images.
INSTANCE_KEYS = ('boxes', 'labels', 'difficult')
# Keys that hold one entry per region proposal, in every task; they never stack either.
PROPOSAL_KEYS = ('proposals', 'proposal_scores')


def flip_boxes(boxes, width):
    """Boxes (P, 4) x1, y1, x2, y2 of an image of width ``width`` mirrored along x: x -> W - x, so
    the left and right sides swap. Pixel coordinates are continuous ([0, W]), so flipping twice
    gives the boxes back exactly. A numpy array (the transforms) or a tensor (the heads' flip
    test); returns a copy of the same kind."""
    flipped = boxes[:, [2, 1, 0, 3]]      # fancy indexing copies, for arrays and tensors alike
    flipped[:, 0::2] = width - flipped[:, 0::2]
    return flipped


def pad_stack(images, value=0.0):
    """Stack (C, H, W) images into (N, C, Hmax, Wmax), padding bottom/right so boxes stay put."""
    max_h = max(img.shape[-2] for img in images)
    max_w = max(img.shape[-1] for img in images)
    if all(img.shape[-2:] == (max_h, max_w) for img in images):
        return torch.stack(images)
    padded = [F.pad(img, (0, max_w - img.shape[-1], 0, max_h - img.shape[-2]), value=value)
              for img in images]
    return torch.stack(padded)


def collate(samples):
    """Collate sample dicts into a batch dict (see the module docstring for the rules)."""
    detection = 'boxes' in samples[0]
    batch = {'images': pad_stack([s['image'] for s in samples])}
    for key in samples[0]:
        if key == 'image':
            continue
        values = [s[key] for s in samples]
        per_object = (detection and key in INSTANCE_KEYS) or key in PROPOSAL_KEYS
        stackable = all(isinstance(v, torch.Tensor) and v.shape == values[0].shape for v in values)
        batch[key] = torch.stack(values) if stackable and not per_object else values
    return batch


def move_to(batch, device, non_blocking=True):
    """Move every tensor of a batch (including those inside lists) to ``device``."""
    def move(value):
        if isinstance(value, torch.Tensor):
            return value.to(device, non_blocking=non_blocking)
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        return value
    return {key: move(value) for key, value in batch.items()}


def to_numpy(value):
    """A tensor (any device) or array-like as a numpy array, for evaluators and pictures."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def image_pair(batch, key, index, default=None):
    """Image ``index``'s two-number entry of ``batch[key]`` (``ori_shape``, ``img_shape``,
    ``scale_factor``) as a tuple of floats, or ``default`` when the batch lacks the key.

    ``collate`` stacks these into an (N, 2) tensor when it can and keeps a list of tuples when it
    cannot, so every reader goes through here instead of re-parsing both forms.
    """
    values = batch.get(key)
    if values is None:
        return default
    return tuple(float(v) for v in to_numpy(values[index]).reshape(-1)[:2])


def image_pairs(batch, key, count, default=None):
    """``image_pair`` for every image of a batch of ``count``: a list of ``count`` tuples, or of
    ``default`` when the batch lacks the key."""
    return [image_pair(batch, key, index, default) for index in range(count)]
