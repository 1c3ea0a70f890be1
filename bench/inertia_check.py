"""Compare segtui's K-Means inertia with scikit-learn KMeans(n_init=10) on the same matrix.

Usage: python inertia_check.py DATA_DIR   (prints JSON)
"""

import json
import sys

from sklearn.cluster import KMeans

from segtui.engine.pipeline import segment


def main(folder: str) -> None:
    result = segment(folder)
    X = result.matrix
    reference = KMeans(n_clusters=result.k, n_init=10, random_state=42).fit(X)
    ours = result.metrics.inertia
    theirs = float(reference.inertia_)
    print(
        json.dumps(
            {
                "n": int(X.shape[0]),
                "d": int(X.shape[1]),
                "segtui": ours,
                "sklearn": theirs,
                "worse_pct": (ours - theirs) / theirs * 100.0,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
