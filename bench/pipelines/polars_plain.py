"""Reference pipeline: a plain, eager Polars version of the notebook (+ scikit-learn).

Usage: python polars_plain.py DATA_DIR OUT.csv
"""

import sys
from pathlib import Path

import polars as pl
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score
from sklearn.preprocessing import StandardScaler


def read(folder: Path, name: str) -> pl.DataFrame:
    csv = folder / f"{name}.csv"
    return pl.read_csv(csv) if csv.exists() else pl.read_parquet(folder / f"{name}.parquet")


def main(folder: Path, out: Path) -> None:
    customers = read(folder, "Customers")
    transactions = read(folder, "Transactions")
    if transactions.schema["TransactionDate"] == pl.String:  # CSV; Parquet stores timestamps
        transactions = transactions.with_columns(pl.col("TransactionDate").str.to_datetime())
    agg = transactions.group_by("CustomerID").agg(
        pl.col("TotalValue").sum().alias("total_spend"),
        pl.col("TransactionID").n_unique().alias("frequency"),
        pl.col("Quantity").sum().alias("total_quantity"),
        pl.col("TransactionDate").max().alias("last_purchase"),
    )
    agg = agg.with_columns(
        (pl.col("total_spend") / pl.col("frequency")).alias("avg_transaction_value")
    )
    df = customers.join(agg, on="CustomerID", how="left")
    buyers = df.filter(pl.col("total_spend").is_not_null())
    numeric = buyers.select("total_spend", "avg_transaction_value", "frequency", "total_quantity")
    encoded = buyers.select("Region").to_dummies()
    X = StandardScaler().fit_transform(pl.concat([numeric, encoded], how="horizontal").to_numpy())
    labels = KMeans(n_clusters=4, n_init=10, random_state=42).fit_predict(X)
    print(f"davies_bouldin={davies_bouldin_score(X, labels):.4f}", file=sys.stderr)
    segments = buyers.select("CustomerID").with_columns(pl.Series("segment", labels))
    df = df.join(segments, on="CustomerID", how="left").with_columns(
        pl.col("segment").fill_null(-1)
    )
    df.drop("last_purchase").write_csv(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
