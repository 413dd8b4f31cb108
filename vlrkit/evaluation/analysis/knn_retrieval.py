"""Nearest-neighbour retrieval in a layer's feature space: which images does the network see alike?

For a few query images, the k images of the split closest in a chosen layer (``backbone.pool5``,
``head.fc7``, ...) are drawn next to the query; precision@k counts the neighbours that share a
class with their query. Comparing layers or models (ResNet fine-tuned vs CaffeNet from scratch)
by this number and picture shows how semantic their features are.
"""
import numpy as np
from sklearn.neighbors import NearestNeighbors

from vlrkit.errors import ConfigError
from vlrkit.registry import EVALUATORS
from vlrkit.visualization.figures import labelled_grid

from .base import AnalysisEvaluator, image_ids, label_sets, pick_diverse
from .features import extract_features


def nearest_neighbours(features, query_indices, k, metric='euclidean'):
    """The ``k`` nearest other images of each query: (Q, k) indices and (Q, k) distances.

    ``features`` (N, D); ``metric`` 'euclidean' or 'cosine' (scikit-learn NearestNeighbors, brute
    force for cosine). A query never retrieves itself, even when another image is identical.
    """
    if metric not in ('euclidean', 'cosine'):
        raise ConfigError(f"KNNRetrieval metric must be 'euclidean' or 'cosine', got {metric!r}")
    features = np.asarray(features, dtype=np.float32)
    k = min(k, len(features) - 1)
    if k < 1:
        raise ValueError(f'nearest neighbours need at least 2 images, got {len(features)}')
    index = NearestNeighbors(n_neighbors=k + 1, metric=metric,
                             algorithm='brute' if metric == 'cosine' else 'auto').fit(features)
    distances, indices = index.kneighbors(features[np.asarray(query_indices)])
    keep_idx, keep_dist = [], []
    for query, row, dist in zip(query_indices, indices, distances):
        mask = row != query
        keep_idx.append(row[mask][:k])
        keep_dist.append(dist[mask][:k])
    return np.stack(keep_idx), np.stack(keep_dist)


def precision_at_k(labels, query_indices, neighbour_indices):
    """Mean fraction of each query's neighbours that share at least one class with the query.

    ``labels``: list of class-index lists (one per image, multi-label allowed).
    """
    hits = [np.mean([bool(set(labels[q]) & set(labels[n])) for n in row])
            for q, row in zip(query_indices, neighbour_indices)]
    return float(np.mean(hits)) if hits else float('nan')


@EVALUATORS.register_module()
class KNNRetrieval(AnalysisEvaluator):
    """k nearest neighbours of query images in one layer's features.

    Args:
        layer: module name whose output is the feature, e.g. ``'backbone.pool5'``.
        k: neighbours per query.
        metric: 'euclidean' or 'cosine'.
        query_ids: ``img_id`` values of the queries; None draws ``num_queries`` at random with
            ``seed``, each from classes no other query has.
        num_queries: queries drawn when ``query_ids`` is None.
    Returns ``precision@k`` over every image of the split as query, and ``query_precision@k`` over
    the drawn queries; writes ``knn_neighbours.png``.
    """
    default_prefix = 'knn'

    def __init__(self, layer, k=5, metric='euclidean', query_ids=None, num_queries=5, seed=0,
                 **kwargs):
        super().__init__(**kwargs)
        self.layer, self.k, self.metric = layer, k, metric
        self.query_ids = [str(q) for q in query_ids] if query_ids is not None else None
        self.num_queries, self.seed = num_queries, seed

    def process(self, batch, preds):
        features = extract_features(self.net, batch['images'].to(self.device), [self.layer])
        features = features[self.layer].numpy()
        ids = image_ids(batch, len(self.results))
        for i, labels in enumerate(label_sets(batch)):
            self.results.append(dict(img_id=ids[i], labels=labels,
                                     feature=features[i], thumb=self.thumb(batch['images'][i])))

    def compute_metrics(self, results):
        features = np.stack([r['feature'] for r in results])
        labels = [r['labels'] for r in results]
        queries = self._queries(results)
        neighbours, distances = nearest_neighbours(features, queries, self.k, self.metric)
        everyone, _ = nearest_neighbours(features, range(len(results)), self.k, self.metric)
        rows, titles = [], []
        for q, row, dist in zip(queries, neighbours, distances):
            rows.append([results[q]['thumb']] + [results[n]['thumb'] for n in row])
            titles.append([f'query\n{self._names(labels[q])}'] +
                          [f'{self._names(labels[n])}\nd={d:.3g}' for n, d in zip(row, dist)])
        self.add_figure(labelled_grid(rows, cell_titles=titles), 'neighbours',
                        f'{self.k} nearest neighbours in {self.layer} ({self.metric})')
        return {f'precision@{self.k}': precision_at_k(labels, range(len(results)), everyone),
                f'query_precision@{self.k}': precision_at_k(labels, queries, neighbours)}

    def _queries(self, results):
        if self.query_ids is None:
            return pick_diverse([r['labels'] for r in results], self.num_queries, self.seed)
        position = {r['img_id']: i for i, r in enumerate(results)}
        missing = [q for q in self.query_ids if q not in position]
        if missing:
            raise ConfigError(f'KNNRetrieval query_ids {missing} are not in the evaluated split; '
                              f'ids look like {list(position)[:5]}')
        return [position[q] for q in self.query_ids]

    def _names(self, labels):
        return ','.join(self.class_name(c) for c in labels)
