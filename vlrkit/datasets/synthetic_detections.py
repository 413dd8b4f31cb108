"""Seeded synthetic ground truth and detections, for testing and timing detection metrics.

One generator serves the metric tests (small cases checked against a devkit loop and
pycocotools) and ``tools/benchmarks/voc_map_speed.py`` (thousands of images), so the data a
benchmark times is the data the tests prove correct.

Per image: ``objects`` (min, max) ground-truth boxes (a ``difficult_prob`` fraction difficult, as VOC's
ignored boxes); per class, every ground-truth box of the class found once with Gaussian
``jitter``, the first found twice (a duplicate, a false positive), and a few random
``noise_box``-sized boxes; scores uniform in [0, 1) (noise in [0, ``noise_score``)). Returned in mmdetection's ``eval_map``
lists: ``results[i][k]`` (D, 5) x1, y1, x2, y2, score and ``annotations[i]`` dict(bboxes,
labels, bboxes_ignore, labels_ignore).
"""
import numpy as np


def synthetic_detections(seed, num_images=30, num_classes=3, difficult_prob=0.2, image_size=80,
                         box_size=(5, 40), objects=(0, 4), noise_per_class=(0, 2), noise_box=20,
                         jitter=3.0, noise_score=1.0):
    """(results, annotations) for ``num_images`` images, a pure function of the arguments.

    ``objects`` and ``noise_per_class`` are inclusive (min, max) counts; ``box_size`` the range
    of ground-truth widths and heights in pixels of an ``image_size`` square; noise boxes
    score in [0, ``noise_score``), so below 1 the true detections tend to rank first.
    """
    rng = np.random.default_rng(seed)
    annotations, results = [], []
    for _ in range(num_images):
        count = rng.integers(objects[0], objects[1] + 1)
        xy = rng.uniform(0, image_size, (count, 2))
        boxes = np.c_[xy, xy + rng.uniform(*box_size, (count, 2))]
        labels = rng.integers(0, num_classes, count)
        hard = rng.random(count) < difficult_prob
        annotations.append(dict(bboxes=boxes[~hard], labels=labels[~hard],
                                bboxes_ignore=boxes[hard].reshape(-1, 4),
                                labels_ignore=labels[hard]))
        per_class = []
        for cls in range(num_classes):
            found = boxes[labels == cls] + rng.normal(0, jitter, (int((labels == cls).sum()), 4))
            noise_xy = rng.uniform(0, image_size, (rng.integers(noise_per_class[0],
                                                                noise_per_class[1] + 1), 2))
            candidates = np.vstack([found, found[:1], np.c_[noise_xy, noise_xy + noise_box]])
            scores = rng.random(len(candidates))
            scores[len(candidates) - len(noise_xy):] *= noise_score
            per_class.append(np.c_[candidates, scores])
        results.append(per_class)
    return results, annotations
