"""Importing this package registers its components."""
from . import (filter_ablation, filter_identification, knn_retrieval, occlusion_sensitivity,  # noqa: F401
               per_class_ap, tsne_plot)
from . import heatmap_grid  # noqa: F401
