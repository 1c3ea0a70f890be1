"""What the features are: names, kinds, meanings, and which a source can provide.

Every feature has one canonical name and one definition here; the CLI, the UI, model files
and other engines refer to features by these names (``compute.py`` computes them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from segtui.engine.errors import InputError, OptionError
from segtui.engine.io.tables import Tables
from segtui.engine.quality.checks import diagnose_failure


@dataclass(frozen=True)
class FeatureSpec:
    """What a feature is: its kind (money, count, days, share, categorical) and meaning."""

    name: str
    kind: str
    description: str
    needs: tuple[tuple[str, str], ...] = ()  # (table kind, canonical column)


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        FeatureSpec("total_spend", "money", "sum of line totals"),
        FeatureSpec(
            "frequency", "count", "number of purchases (orders; customer-days without an order id)"
        ),
        FeatureSpec("avg_transaction_value", "money", "total_spend / frequency"),
        FeatureSpec(
            "total_quantity", "count", "sum of quantities", (("transactions", "Quantity"),)
        ),
        FeatureSpec(
            "avg_quantity", "count", "total_quantity / frequency", (("transactions", "Quantity"),)
        ),
        FeatureSpec("recency_days", "days", "days from the last purchase to the as-of date"),
        FeatureSpec(
            "tenure_days",
            "days",
            "days from signup to the as-of date",
            (("customers", "SignupDate"),),
        ),
        FeatureSpec(
            "distinct_products",
            "count",
            "number of different products bought",
            (("transactions", "ProductID"),),
        ),
        FeatureSpec(
            "distinct_categories",
            "count",
            "number of different categories bought",
            (("products", "Category"),),
        ),
        FeatureSpec("region", "categorical", "the customer's region", (("customers", "Region"),)),
    )
}
CATEGORY_SHARES = "category_shares"
SHARE_PREFIX = "share_"
NO_PURCHASES = "No purchases"
NET_RETURNERS = "Net returners"
# The customers every output keeps but the clustering leaves out, as (summary key, segment
# id, name): no purchase line at all, or returns that cancel or exceed the purchases. The
# K-Means space, the metrics, tiers and the choice of k see neither group.
UNCLUSTERED = (("no_purchases", -1, NO_PURCHASES), ("net_returners", -2, NET_RETURNERS))
UNCLUSTERED_NAMES = {segment: name for _, segment, name in UNCLUSTERED}
# The feature frame's flag for the second group (has_purchases is false for them).
NET_RETURNER = "net_returner"
# Why each group is not clustered: in a table's last column, and after "N customers".
UNCLUSTERED_WHY = {-1: "no transactions", -2: "returns cancel or exceed purchases"}
UNCLUSTERED_WHO = {-1: "without transactions", -2: "whose returns cancel or exceed their purchases"}


def unclustered_sizes(segment: pl.Series) -> dict[str, dict[str, Any]]:
    """The summary entries of the unclustered groups from a segments file's ``segment``
    column, by key: {"no_purchases": {"id": -1, "name", "size"}, "net_returners": ...}."""
    return {
        key: {"id": sid, "name": name, "size": int((segment == sid).sum())}
        for key, sid, name in UNCLUSTERED
    }


def unclustered_groups(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-empty unclustered groups of a run (or assign) summary, -1 then -2, each
    {"id", "name", "size"}; a summary written before -2 existed has only -1."""
    groups = [summary.get(key) or {} for key, _, _ in UNCLUSTERED]
    return [group for group in groups if group.get("size")]


def share_name(category: str) -> str:
    """Canonical feature name of a category's spend share: ``share_home_decor``."""
    slug = re.sub(r"[^0-9a-z]+", "_", category.lower()).strip("_")
    return SHARE_PREFIX + (slug or "unknown")


def feature_kind(name: str) -> str:
    """Kind of a feature name, including ``share_*`` names."""
    if name.startswith(SHARE_PREFIX):
        return "share"
    return FEATURES[name].kind


@dataclass
class FeatureTable:
    """Per-customer features of one source.

    ``frame`` has one row per customer, sorted by CustomerID: CustomerID, CustomerName and
    Region when the source has them, ``has_purchases``, and every computed feature.
    """

    frame: pl.DataFrame
    features: list[str]
    as_of: dt.date
    data_quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    # Results of the ``side`` queries compute_features collected in its own plan (the
    # value models' purchase-day figures with --clv), in the order given.
    side: list[pl.DataFrame] = field(default_factory=list)
    # The value models fitted on this table (``predict.Modelled``), by their options
    # (pipeline.value_key): they do not depend on the clustering, so the workbench's
    # re-clustering reuses them instead of fitting (and maybe reading) again.
    value_models: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    # ``--k auto``'s inner time splits (``clustering.inner_split.InnerSplit`` or None),
    # computed by ``pipeline.run`` from the tables and kept for re-clustering, by the
    # space settings they were fitted with (clustering.inner_split.split_key): a split fitted under
    # another scaling scores k differently from the one ``segtui run`` computes.
    inner_splits: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    # The fast path proved every TransactionID of the lines before ``as_of`` distinct:
    # a table at an earlier date (the inner split's) need not prove it again.
    ids_distinct: bool = False
    # The inner split's features and next weeks' spend, collected in this table's own
    # pass (``inner_pass.InnerPass``) until the inner split uses them; None when not.
    inner_pass: Any = None


def category_available(tables: Tables) -> bool:
    return tables.has("transactions", "Category") or (
        tables.has("products", "Category") and tables.has("transactions", "ProductID")
    )


def resolve_features(
    requested: Sequence[str],
    tables: Tables,
    *,
    category_values: Callable[[], list[str]] | None = None,
) -> tuple[list[str], list[str]]:
    """Validate feature names; expand ``category_shares``.

    Returns (feature names, category values). Raises OptionError for unknown names and
    InputError for features whose columns the source lacks. ``category_values`` lets
    another engine (Spark) list the sorted categories from its own tables.
    """
    names = [name.strip() for name in requested if name.strip()]
    if not names:
        raise OptionError("no features given", hint=f"choose from {', '.join(available_names())}")
    needs_categories = any(n == CATEGORY_SHARES or n.startswith(SHARE_PREFIX) for n in names)
    categories: list[str] = []
    if needs_categories or "distinct_categories" in names:
        if not category_available(tables):
            raise InputError(
                "category features need a Category column (in Products, joined on ProductID)",
                file=tables.label,
                column="Category",
            )
    if needs_categories:
        categories = category_values() if category_values else _category_values(tables)
        check_share_names(categories, tables)
    share_names = [share_name(c) for c in categories]
    resolved: list[str] = []
    for name in names:
        if name == CATEGORY_SHARES:
            resolved.extend(share_names)
            continue
        if name.startswith(SHARE_PREFIX):
            if name not in share_names:
                raise OptionError(
                    f"unknown category share {name!r}",
                    hint=f"this data has {', '.join(share_names) or 'no categories'}",
                )
        elif name not in FEATURES:
            raise OptionError(
                f"unknown feature {name!r}",
                hint=f"choose from {', '.join(available_names())}",
            )
        else:
            for table, column in FEATURES[name].needs:
                if table == "products" and name == "distinct_categories":
                    continue  # checked above; Category may also come from transactions
                if not tables.has(table, column):
                    raise InputError(
                        f"feature {name!r} needs a {column} column in the {table} table",
                        file=tables.files[table].path if table in tables.files else tables.label,
                        column=column,
                    )
        resolved.append(name)
    seen: set[str] = set()
    unique = [n for n in resolved if not (n in seen or seen.add(n))]  # type: ignore[func-returns-value]
    return unique, categories


def available_names() -> list[str]:
    """Every feature name a user can ask for (category shares as one token)."""
    return [*FEATURES, CATEGORY_SHARES]


def _category_values(tables: Tables) -> list[str]:
    if tables.has("products", "Category") and tables.products is not None:
        lf = tables.products.select("Category")
    else:
        lf = tables.transactions.select("Category")
    try:
        values = lf.unique().collect().get_column("Category").drop_nulls().to_list()
    except pl.exceptions.PolarsError as exc:
        raise diagnose_failure(tables, exc) from None
    return sorted(str(v) for v in values)


def with_category(tables: Tables) -> pl.LazyFrame:
    tx = tables.transactions
    if tables.has("transactions", "Category") or tables.products is None:
        return tx
    products = tables.products.select("ProductID", "Category").unique("ProductID", keep="first")
    return tx.join(products, on="ProductID", how="left")


def check_share_names(categories: list[str], tables: Tables) -> None:
    """Raise InputError when two spellings of a category ("Home Decor", "home decor",
    "Home-Decor") would make the same share feature (``share_home_decor``): naming the
    file, the column, the row where the second spelling first appears, and every spelling.
    """
    by_name: dict[str, list[str]] = {}
    for category in categories:
        by_name.setdefault(share_name(category), []).append(category)
    clash = next((group for group in by_name.values() if len(group) > 1), None)
    if clash is None:
        return
    kind = "products" if tables.has("products", "Category") else "transactions"
    spec = tables.files.get(kind)
    row = None
    if spec is not None and "Category" in spec.columns:
        from segtui.engine.io.tables import text_frame

        actual = spec.columns["Category"]
        found = (
            text_frame(spec)
            .select(pl.col(actual).cast(pl.String).str.strip_chars())
            .with_row_index("row", offset=1)
            .filter(pl.col(actual).is_in(clash[1:]))
            .head(1)
            .collect()
        )
        row = int(found["row"][0]) if found.height else None
    raise InputError(
        f"the categories {', '.join(repr(c) for c in clash)} differ only in case, spaces or "
        f"punctuation and would all be the feature {share_name(clash[0])}",
        file=spec.path if spec is not None else tables.label,
        column=spec.columns.get("Category", "Category") if spec is not None else "Category",
        row=row,
        hint="spell each category one way in the data, or leave category shares out of --features",
    )
