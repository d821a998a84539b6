"""A boosted tree ensemble, stored as plain arrays and evaluated with numpy (no pickle).

Every tree's nodes sit in one set of flat arrays: a split node sends a row to ``left`` when its
``feature`` value is at most ``threshold``, else to ``right``; a leaf points to itself on both
sides and carries the ``value`` that its tree adds to the score. The score of a row is
``baseline`` plus one leaf value per tree, a logit for a binary classifier.
``benchmarks/fit_summariser.py`` fits and writes the summariser's model.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file that is missing arrays, of another format version or for other features."""


@dataclass(frozen=True, slots=True, eq=False)
class TreeEnsemble:
    """The nodes of all trees (flat arrays, one entry per node) and where each tree starts."""

    feature_names: tuple[str, ...]
    feature: NDArray[np.int32]
    threshold: NDArray[np.float64]
    left: NDArray[np.int32]
    right: NDArray[np.int32]
    value: NDArray[np.float64]
    roots: NDArray[np.int32]
    baseline: float
    depth: int
    # roots ordered deepest tree first, and how many trees are still descending at each step
    _deep_first: NDArray[np.int32] = field(init=False, repr=False)
    _descending: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        node_depth = np.zeros(len(self.feature), dtype=np.int32)
        split = np.flatnonzero(self.left != np.arange(len(self.left)))
        for _ in range(self.depth):
            node_depth[self.left[split]] = node_depth[split] + 1
            node_depth[self.right[split]] = node_depth[split] + 1
        order = np.argsort(self.roots, kind="stable")
        tree_depth = np.zeros(len(self.roots), dtype=np.int32)
        if len(self.roots):
            tree_depth[order] = np.maximum.reduceat(node_depth, self.roots[order])
        deep_first = np.argsort(-tree_depth, kind="stable")
        object.__setattr__(self, "_deep_first", self.roots[deep_first].astype(np.int32))
        object.__setattr__(self, "_descending", tuple(int((tree_depth > step).sum()) for step in range(self.depth)))

    def raw_scores(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        """The ensemble's score (logit) of each row of ``rows`` (columns as ``feature_names``)."""
        n = len(rows)
        if n == 0:
            return np.zeros(0)
        flat = np.ascontiguousarray(rows, dtype=np.float64).ravel()
        row_start = (np.arange(n, dtype=np.int64) * rows.shape[1])[:, None]
        node = np.tile(self._deep_first, (n, 1))
        for trees in self._descending:
            at = node[:, :trees]
            go_left = flat[row_start + self.feature[at]] <= self.threshold[at]
            node[:, :trees] = np.where(go_left, self.left[at], self.right[at])
        return self.baseline + self.value[node].sum(axis=1)

    def save(self, path: Path) -> None:
        """Write the model as one ``.npz`` of plain arrays, atomically (temporary file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    format_version=np.array(FORMAT_VERSION),
                    feature_names=np.array(self.feature_names, dtype=np.str_),
                    feature=self.feature,
                    threshold=self.threshold,
                    left=self.left,
                    right=self.right,
                    value=self.value,
                    roots=self.roots,
                    baseline=np.array(self.baseline),
                    depth=np.array(self.depth),
                )
            Path(tmp).chmod(0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, *, expect_features: Sequence[str] | None = None) -> TreeEnsemble:
        """Read a model written by :meth:`save`; refuse another format version or feature list."""
        with np.load(path, allow_pickle=False) as data:
            try:
                version = int(data["format_version"])
                names = tuple(str(name) for name in data["feature_names"])
                model = cls(
                    feature_names=names,
                    feature=data["feature"].astype(np.int32),
                    threshold=data["threshold"].astype(np.float64),
                    left=data["left"].astype(np.int32),
                    right=data["right"].astype(np.int32),
                    value=data["value"].astype(np.float64),
                    roots=data["roots"].astype(np.int32),
                    baseline=float(data["baseline"]),
                    depth=int(data["depth"]),
                )
            except KeyError as exc:
                raise ModelFileError(f"{path}: missing array {exc}") from exc
        if version != FORMAT_VERSION:
            raise ModelFileError(f"{path}: format version {version}, expected {FORMAT_VERSION}")
        if expect_features is not None and names != tuple(expect_features):
            raise ModelFileError(f"{path}: fitted on other features than this code computes")
        return model
