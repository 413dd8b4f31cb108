"""Region proposals for region-based models: read from the homework's selective search ``.mat``
files, or computed with OpenCV's selective search and cached on disk.

A source is built from ``PROPOSAL_SOURCES`` by the pipeline's ``LoadProposals`` step
(``vlrkit/datasets/transforms/load_proposals.py``) and answers two calls:

- ``prepare(data_infos)``: once, with the dataset's whole image list, at dataset build time: check
  every image has proposals, compute the missing ones (with a progress bar);
- ``get(img_id, img_path, ori_shape) -> (boxes (P, 4) float32, scores (P,) float32)``: one image's
  top proposals, highest score first, x1, y1, x2, y2 in original-image pixels (an image of width W
  spans [0, W]), checked against the image.
"""
from . import mat_file, selective_search  # noqa: F401
from .mat_file import SelectiveSearchMat, read_selective_search_mat, write_selective_search_mat  # noqa: F401
from .selective_search import SelectiveSearch, opencv_selective_search  # noqa: F401
