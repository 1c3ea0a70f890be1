"""Reference pipeline: DuckDB SQL aggregation, then numpy + scikit-learn.

Usage: python duckdb_sklearn.py DATA_DIR OUT.csv
"""

import sys
from pathlib import Path

import duckdb
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score
from sklearn.preprocessing import StandardScaler


def table(folder: Path, name: str) -> str:
    csv = folder / f"{name}.csv"
    if csv.exists():
        return f"read_csv('{csv}', header=true)"
    return f"read_parquet('{folder / f'{name}.parquet'}')"


def main(folder: Path, out: Path) -> None:
    con = duckdb.connect()
    query = f"""
        WITH agg AS (
            SELECT CustomerID,
                   sum(TotalValue) AS total_spend,
                   count(DISTINCT TransactionID) AS frequency,
                   sum(Quantity) AS total_quantity,
                   max(TransactionDate) AS last_purchase
            FROM {table(folder, "Transactions")}
            GROUP BY CustomerID
        )
        SELECT c.CustomerID, c.Region, a.total_spend,
               a.total_spend / a.frequency AS avg_transaction_value,
               a.frequency, a.total_quantity
        FROM {table(folder, "Customers")} c LEFT JOIN agg a USING (CustomerID)
        ORDER BY c.CustomerID
    """
    data = con.execute(query).fetchnumpy()
    buyers = ~np.isnan(np.asarray(data["total_spend"], dtype=float))
    regions = np.asarray(data["Region"])[buyers]
    levels = np.unique(regions)
    numeric = np.column_stack(
        [
            np.asarray(data[c], dtype=float)[buyers]
            for c in ("total_spend", "avg_transaction_value", "frequency", "total_quantity")
        ]
    )
    onehot = (regions[:, None] == levels[None, :]).astype(float)
    X = StandardScaler().fit_transform(np.hstack([numeric, onehot]))
    labels = KMeans(n_clusters=4, n_init=10, random_state=42).fit_predict(X)
    print(f"davies_bouldin={davies_bouldin_score(X, labels):.4f}", file=sys.stderr)
    segment = np.full(buyers.shape[0], -1)
    segment[buyers] = labels
    con.register(
        "seg",
        {"CustomerID": np.asarray(data["CustomerID"]), "segment": segment},
    )
    con.execute(f"COPY (SELECT * FROM seg) TO '{out}' (HEADER)")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
