"""Check segtui's fast path: inertia vs scikit-learn KMeans(n_init=10) on the same matrix,
and segment agreement with the plain path (SEGTUI_PLAIN_PATH=1).

Usage: python inertia_check.py DATA_DIR   (prints JSON)
"""

import json
import os
import sys

import numpy as np
from sklearn.cluster import KMeans

from segtui.engine.features.fastpath import PLAIN_ENV
from segtui.engine.pipeline import segment


def main(folder: str) -> None:
    os.environ[PLAIN_ENV] = "0"
    result = segment(folder)
    X = result.matrix
    reference = KMeans(n_clusters=result.k, n_init=10, random_state=42).fit(X)
    ours = result.metrics.inertia
    theirs = float(reference.inertia_)
    os.environ[PLAIN_ENV] = "1"
    plain = segment(folder)
    same = float(
        np.mean(result.segments["segment"].to_numpy() == plain.segments["segment"].to_numpy())
    )
    print(
        json.dumps(
            {
                "n": int(X.shape[0]),
                "d": int(X.shape[1]),
                "segtui": ours,
                "sklearn": theirs,
                "worse_pct": (ours - theirs) / theirs * 100.0,
                "plain_inertia": plain.metrics.inertia,
                "same_segment_as_plain": same,
                "features_equal": result.feature_table.frame.select(result.features).equals(
                    plain.feature_table.frame.select(result.features)
                ),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
