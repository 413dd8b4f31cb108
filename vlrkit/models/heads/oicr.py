"""Online instance classifier refinement (OICR, Tang et al., CVPR 2017): pseudo-labels for regions.

WSDDN's region scores pick the most discriminative part of an object, and nothing in an
image-level loss tells it otherwise. OICR adds refinement classifiers over the same region
features; each is trained as an ordinary (K + 1)-way region classifier on labels that the previous
stream derives online, within the image:

* Rule 1 (seeds): for every class present in the image, the region the previous stream scores
  highest for it is taken as an instance of that class. A region already taken by an earlier
  class is not taken again (each seed is one instance).
* Rule 2 (spreading): every region takes the class of the seed it overlaps most when that IoU is
  at least ``iou_thr`` (0.5), and is background otherwise. Neighbours of a seed become positives,
  so the next stream learns a larger part of the object than the seed alone.
* Rule 3 (confidence): each region's loss is weighted by the score of its seed, so an unsure seed
  early in training supervises little.

Shapes: ``P`` regions of one image, ``K`` classes, background is class index ``K``.
"""
import torch
from torchvision.ops import box_iou


@torch.no_grad()
def oicr_pseudo_labels(proposals, supervision, present, iou_thr=0.5):
    """Refinement targets of one image from the previous stream's region scores.

    Args:
        proposals: (P, 4) regions x1, y1, x2, y2.
        supervision: (P, K) previous stream's per-region class scores (WSDDN's region scores, or
            a refinement stream's softmax without its background column).
        present: (K,) bool, the classes the image-level labels say are in the image.
        iou_thr: overlap with a seed that makes a region a positive of the seed's class.
    Returns:
        labels (P,) long in 0..K (K = background) and weights (P,) float, the score of the seed each
        region was matched to (every region of an image without present classes, or without
        regions, is background with weight 0: nothing to learn from).
    """
    num_regions, num_classes = supervision.shape
    labels = torch.full((num_regions,), num_classes, dtype=torch.long, device=supervision.device)
    weights = supervision.new_zeros(num_regions)
    classes = torch.nonzero(present).flatten()
    if num_regions == 0 or classes.numel() == 0:
        return labels, weights
    scores = supervision.detach().clone()
    seeds, seed_scores = [], []
    for cls in classes.tolist():                                   # Rule 1, class by class
        seed = int(scores[:, cls].argmax())
        seeds.append(seed)
        seed_scores.append(float(scores[seed, cls]))
        scores[seed] = 0                                           # a region seeds one class only
    seeds = torch.tensor(seeds, device=supervision.device)
    seed_scores = supervision.new_tensor(seed_scores)
    overlaps = box_iou(proposals.float(), proposals[seeds].float())   # (P, seeds)
    best_overlap, best_seed = overlaps.max(dim=1)                  # Rule 2: the closest seed
    weights = seed_scores[best_seed]                               # Rule 3, background included
    labels = torch.where(best_overlap >= iou_thr, classes[best_seed], labels)
    return labels, weights
