"""A pipeline: transform configs built through TRANSFORMS and applied in order to one dict.

Between loading and packing, a pipeline passes an *intermediate* dict. Its keys are the one
vocabulary every dataset writes and every transform reads; ``PackSample`` turns it into the
sample of ``vlrkit.structures``.

Targets, one set per level of annotation (a task uses exactly one label key):
    gt_boxes      float32 (M, 4) x1, y1, x2, y2 in pixels of the current ``img``     objects
    gt_labels     int64 (M,) class index per object (the label key of detection)    objects
    gt_difficult  bool (M,); gt_truncated bool (M,)                                 objects
    img_labels    the label key of classification: an int class index (single-label) or
                  float32 (K,) multi-hot (multi-label)                              image
    img_difficult bool (K,), multi-label only: classes present only as difficult    image
Region proposals (``LoadProposals``), one set per image:
    proposals     float32 (P, 4) x1, y1, x2, y2 in pixels of the current ``img``    proposals
    proposal_scores float32 (P,), higher first-ranked                              proposals
A transform that drops objects drops them from every ``gt_`` key together
(``boxes.OBJECT_KEYS``), and a dropped proposal loses its score (``boxes.PROPOSAL_KEYS``); every
geometric transform moves ``proposals`` exactly as ``gt_boxes``; image-level keys never change
with the geometry. A classification
dataset may keep its objects (``gt_boxes``...) for weakly-supervised localisation scores.

Image and bookkeeping, every size (h, w):
    img           numpy (H, W, 3) RGB, uint8 until ``Normalize`` makes it float32
    ori_shape     (h, w) on disk; img_shape (h, w) now, before padding; pad_shape (h, w) after it
    scale_factor  (sx, sy): current pixels per original pixel (x first, as boxes are)
plus ``img_id``, ``img_path``, ``sample_idx`` (the dataset index) and ``task``
('classification' or 'detection').
"""
from ...errors import ConfigError
from ...registry import TRANSFORMS


@TRANSFORMS.register_module()
class Compose:
    """Apply ``transforms`` (config dicts or callables) in order."""

    def __init__(self, transforms=()):
        self.transforms = []
        for t in transforms:
            if isinstance(t, dict):
                t = TRANSFORMS.build(t)
            if not callable(t):
                raise ConfigError(f'pipeline step {t!r} is neither a config dict nor callable.')
            self.transforms.append(t)

    def __call__(self, results):
        for t in self.transforms:
            results = t(results)
        return results

    def __repr__(self):
        steps = ''.join(f'\n    {t!r},' for t in self.transforms)
        return f'Compose([{steps}\n])'
