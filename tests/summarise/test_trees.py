"""The numpy tree evaluator against scikit-learn, and its plain-array model file."""

from __future__ import annotations

import numpy as np
import pytest

from bot.summarise.trees import ModelFileError, TreeEnsemble


def tiny() -> TreeEnsemble:
    # tree 1: x0 <= 0.5 ? -1 : (x1 <= 2 ? 0.5 : 2); tree 2: a single leaf of 0.25
    return TreeEnsemble(
        feature_names=("a", "b"),
        feature=np.array([0, 0, 1, 0, 0, 0], dtype=np.int32),
        threshold=np.array([0.5, np.inf, 2.0, np.inf, np.inf, np.inf]),
        left=np.array([1, 1, 3, 3, 4, 5], dtype=np.int32),
        right=np.array([2, 1, 4, 3, 4, 5], dtype=np.int32),
        value=np.array([0.0, -1.0, 0.0, 0.5, 2.0, 0.25]),
        roots=np.array([0, 5], dtype=np.int32),
        baseline=0.1,
        depth=2,
    )


def test_rows_follow_their_splits():
    rows = np.array([[0.2, 9.0], [0.5, 0.0], [0.9, 1.0], [0.9, 3.0]])
    assert tiny().raw_scores(rows) == pytest.approx([-0.65, -0.65, 0.85, 2.35])
    assert tiny().raw_scores(np.zeros((0, 2))).shape == (0,)


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "model.npz"
    tiny().save(path)
    loaded = TreeEnsemble.load(path, expect_features=("a", "b"))
    rows = np.array([[0.2, 9.0], [0.9, 3.0]])
    assert loaded.raw_scores(rows) == pytest.approx(tiny().raw_scores(rows))
    with pytest.raises(ModelFileError):
        TreeEnsemble.load(path, expect_features=("a", "c"))


def test_a_file_without_the_arrays_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, something=np.zeros(3))
    with pytest.raises(ModelFileError):
        TreeEnsemble.load(path)
