"""Reference pipeline written the way the assignment notebooks do it (pandas + scikit-learn).

Usage: python pandas_notebook.py DATA_DIR OUT.csv
read_csv, to_datetime, groupby/merge, get_dummies, StandardScaler, KMeans(n_init=10),
Davies-Bouldin; same classic features as ``segtui run`` (total_spend,
avg_transaction_value, frequency, total_quantity, region), k=4, seed 42.
"""

import sys
from pathlib import Path

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score
from sklearn.preprocessing import StandardScaler


def read(folder: Path, name: str) -> pd.DataFrame:
    csv = folder / f"{name}.csv"
    return pd.read_csv(csv) if csv.exists() else pd.read_parquet(folder / f"{name}.parquet")


def main(folder: Path, out: Path) -> None:
    customers = read(folder, "Customers")
    products = read(folder, "Products")
    transactions = read(folder, "Transactions")
    customers["SignupDate"] = pd.to_datetime(customers["SignupDate"])
    transactions["TransactionDate"] = pd.to_datetime(transactions["TransactionDate"])
    merged = transactions.merge(customers, on="CustomerID").merge(
        products, on="ProductID", suffixes=("", "_product")
    )
    agg = (
        merged.groupby("CustomerID")
        .agg(
            total_spend=("TotalValue", "sum"),
            frequency=("TransactionID", "nunique"),
            total_quantity=("Quantity", "sum"),
            last_purchase=("TransactionDate", "max"),
        )
        .reset_index()
    )
    agg["avg_transaction_value"] = agg["total_spend"] / agg["frequency"]
    df = customers.merge(agg, on="CustomerID", how="left")
    buyers = df.dropna(subset=["total_spend"]).copy()
    encoded = pd.get_dummies(buyers[["Region"]], columns=["Region"])
    numeric = buyers[["total_spend", "avg_transaction_value", "frequency", "total_quantity"]]
    X = StandardScaler().fit_transform(pd.concat([numeric, encoded], axis=1))
    model = KMeans(n_clusters=4, n_init=10, random_state=42)
    buyers["segment"] = model.fit_predict(X)
    print(f"davies_bouldin={davies_bouldin_score(X, buyers['segment']):.4f}", file=sys.stderr)
    df = df.merge(buyers[["CustomerID", "segment"]], on="CustomerID", how="left")
    df["segment"] = df["segment"].fillna(-1).astype(int)
    df.to_csv(out, index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
