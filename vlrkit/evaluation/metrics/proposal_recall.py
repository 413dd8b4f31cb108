"""Proposal recall of the batch's ``proposals`` against its ground-truth objects.

A region-based weakly-supervised detector (WSDDN, OICR) can only ever output a proposal, so the
fraction of objects some proposal covers bounds its CorLoc and detection recall. The evaluator
reads only the batch (what ``LoadProposals`` gave each image), so it scores a proposal source
under any model, and its numbers do not depend on the model's predictions.
"""
import numpy as np

from vlrkit.errors import ConfigError
from vlrkit.evaluation.functional.proposal_recall import best_overlaps, proposal_recall
from vlrkit.evaluation.metric import BaseMetric
from vlrkit.registry import EVALUATORS
from vlrkit.structures import to_numpy


def ground_truth(batch, index):
    """(M, 4) boxes and (M,) difficult mask of image ``index``, in input pixels like the
    proposals: detection samples carry ``boxes``, classification samples ``objects``."""
    if 'objects' in batch:
        objects = batch['objects'][index]
        boxes, difficult = objects['boxes'], objects.get('difficult')
    elif 'boxes' in batch:
        boxes = batch['boxes'][index]
        difficult = batch['difficult'][index] if 'difficult' in batch else None
    else:
        raise ConfigError('ProposalRecallMetric needs annotated objects in the batch: a '
                          "detection dataset, or a classification dataset that keeps its objects "
                          "(VOCDataset does).")
    boxes = to_numpy(boxes).astype(np.float32).reshape(-1, 4)
    difficult = np.zeros(len(boxes), bool) if difficult is None else \
        to_numpy(difficult).astype(bool).reshape(-1)
    return boxes, difficult


@EVALUATORS.register_module()
class ProposalRecallMetric(BaseMetric):
    """``proposals/recall@k`` (objects with a proposal of IoU >= ``iou_thr`` among the top k by
    score) and ``proposals/AR@k`` (that recall averaged over IoU 0.5:0.05:0.95), for each k of
    ``counts``, plus ``proposals/per_image``, the mean number of proposals an image has.

    Args:
        counts: proposal counts k to report (an image with fewer uses all it has).
        iou_thr: the IoU of ``recall@k``.
        use_difficult: count difficult objects too (VOC leaves them out, and so does this).
    """

    default_prefix = 'proposals'

    def __init__(self, counts=(10, 100, 300), iou_thr=0.5, use_difficult=False, prefix=None):
        super().__init__(prefix)
        if not counts or any(int(k) < 1 for k in counts):
            raise ConfigError(f'ProposalRecallMetric counts={counts}: give positive proposal '
                              f'counts, e.g. (10, 100, 300).')
        self.counts = tuple(int(k) for k in counts)
        self.iou_thr = iou_thr
        self.use_difficult = use_difficult

    def process(self, batch, preds):
        if 'proposals' not in batch:
            raise ConfigError("ProposalRecallMetric: the batch has no 'proposals'; add "
                              "dict(type='LoadProposals', source=...) after LoadImage in the "
                              'pipeline.')
        for index, proposals in enumerate(batch['proposals']):
            proposals = to_numpy(proposals).astype(np.float32).reshape(-1, 4)
            scores = to_numpy(batch['proposal_scores'][index]).astype(np.float32).reshape(-1)
            ranked = proposals[np.argsort(-scores, kind='stable')]
            boxes, difficult = ground_truth(batch, index)
            if not self.use_difficult:
                boxes = boxes[~difficult]
            self.results.append(dict(best=best_overlaps(boxes, ranked, self.counts),
                                     num_proposals=len(proposals)))

    def compute_metrics(self, results):
        best = np.concatenate([r['best'] for r in results]) if results else \
            np.zeros((0, len(self.counts)), np.float32)
        metrics = proposal_recall(best, self.counts, self.iou_thr)
        metrics['per_image'] = float(np.mean([r['num_proposals'] for r in results])) \
            if results else 0.0
        return metrics
