"""Readable rules for every segment: who is in it, in the user's units.

For each segment a shallow decision tree (depth at most ``RULES_DEPTH``, scikit-learn,
fixed ``random_state``) learns "this segment versus the rest" from the *raw* feature
values of the clustered customers (not the scaled matrix, so thresholds are amounts,
days and counts). Every leaf where the segment is the majority becomes one rule: the
conditions on its path, merged per feature (tightest lower and upper bound; a
categorical feature as the set of levels still allowed). Thresholds are rounded to three
significant figures for reading, and precision (share of the rule's customers who are in
the segment) and recall (share of the segment the rule covers) are then measured for the
rule *as written*, on every clustered customer.

The labels are the run's final segment labels (after any ``--like`` renumbering), the
same ones the names and profiles are built from, so a rule always describes the segment
its name describes. A missing value matches no condition, as in SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from segtui.engine.features.compute import feature_kind

RULES_DEPTH = 3
# Trees are fitted on at most this many customers (seeded sample); rules are scored on all.
RULES_SAMPLE = 50_000
# A leaf must hold at least this share of the fitted customers: no rule for a handful.
RULES_MIN_LEAF_SHARE = 0.005


@dataclass(frozen=True)
class Condition:
    """One test on one feature: ``>`` / ``<=`` a number, or ``in`` a set of levels."""

    feature: str
    op: str  # ">", ">=" / "=" (whole-number features), "<=" or "in"
    value: float | tuple[str, ...]

    def text(self) -> str:
        """``total_spend > 4,000`` or ``region = 'Europe'`` or ``region IN (...)``."""
        if isinstance(self.value, tuple):
            return f"{self.feature} {_in_list(self.value)}"
        return f"{self.feature} {self.op} {_number(self.value, grouped=True)}"

    def sql(self) -> str:
        """ANSI SQL with the feature as a double-quoted identifier."""
        name = '"' + self.feature.replace('"', '""') + '"'
        if isinstance(self.value, tuple):
            return f"{name} {_in_list(self.value)}"
        return f"{name} {self.op} {_number(self.value, grouped=False)}"


@dataclass(frozen=True)
class Rule:
    """A conjunction of conditions describing part of one segment, with its exactness."""

    segment: int
    conditions: tuple[Condition, ...]
    precision: float
    recall: float
    size: int  # clustered customers the rule selects

    def text(self) -> str:
        """The conditions joined by ``and`` (``everyone`` when there are none)."""
        return " and ".join(c.text() for c in self.conditions) or "everyone"

    def sql(self) -> str:
        """The conditions as one parenthesised ANSI SQL expression."""
        if not self.conditions:
            return "(1 = 1)"
        return "(" + " AND ".join(c.sql() for c in self.conditions) + ")"

    def to_dict(self) -> dict[str, Any]:
        """The summary's form: rule text, precision, recall, size."""
        return {
            "rule": self.text(),
            "precision": self.precision,
            "recall": self.recall,
            "size": self.size,
        }


@dataclass(frozen=True)
class SegmentRules:
    """A segment's rules, and how exact they are taken together (any rule matches)."""

    segment: int
    rules: tuple[Rule, ...]
    precision: float
    recall: float

    def sql(self) -> str:
        """The ANSI SQL WHERE condition selecting the segment: the rules OR-ed."""
        return " OR ".join(r.sql() for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        """The summary's form."""
        return {
            "rules": [r.to_dict() for r in self.rules],
            "precision": self.precision,
            "recall": self.recall,
            "sql": self.sql(),
        }


def _number(value: float, *, grouped: bool) -> str:
    if float(value).is_integer():
        return f"{int(value):,}" if grouped else str(int(value))
    return f"{value:,.6g}" if grouped else f"{value:.6g}"


def _in_list(levels: tuple[str, ...]) -> str:
    quoted = ["'" + level.replace("'", "''") + "'" for level in levels]
    return f"= {quoted[0]}" if len(quoted) == 1 else f"IN ({', '.join(quoted)})"


def _round3(value: float) -> float:
    """Three significant figures: 4,048.5 -> 4,050; 0.12345 -> 0.123."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.3g}")


@dataclass
class _Design:
    """The tree's input: numeric columns then one 0/1 column per categorical level."""

    matrix: np.ndarray
    columns: list[tuple[str, str | None]]  # (feature, level or None)
    numeric: dict[str, np.ndarray]  # raw values (NaN = missing) for scoring
    levels: dict[str, np.ndarray]  # categorical values as text for scoring
    all_levels: dict[str, list[str]]
    whole: set[str]  # numeric features whose every value is a whole number (counts)
    rows: int  # clustered customers (the matrix may hold only the tree's sample of them)


def _design(
    clustered: pl.DataFrame, features: list[str], fit_rows: np.ndarray | None = None
) -> _Design:
    """The tree's design: the matrix holds only ``fit_rows`` (all rows when None), the
    rows the tree is fitted on; the raw values cover every row, for scoring."""
    numeric: dict[str, np.ndarray] = {}
    levels: dict[str, np.ndarray] = {}
    all_levels: dict[str, list[str]] = {}
    blocks: list[np.ndarray] = []
    columns: list[tuple[str, str | None]] = []
    for name in features:
        if name not in clustered.columns:
            continue
        if feature_kind(name) == "categorical":
            text = clustered.get_column(name).cast(pl.String).fill_null("(missing)").to_numpy()
            levels[name] = text
            all_levels[name] = sorted(set(text.tolist()))
            picked = text if fit_rows is None else text[fit_rows]
            for level in all_levels[name]:
                blocks.append((picked == level).astype(np.float64))
                columns.append((name, level))
        else:
            values = clustered.get_column(name).cast(pl.Float64).to_numpy()
            numeric[name] = values
            # The tree is trained with missing cells at the median; scoring treats them
            # as matching nothing (SQL semantics), so rules never rely on the fill.
            fill = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
            picked = values if fit_rows is None else values[fit_rows]
            blocks.append(np.where(np.isfinite(picked), picked, fill))
            columns.append((name, None))
    rows = clustered.height if fit_rows is None else len(fit_rows)
    matrix = np.column_stack(blocks) if blocks else np.zeros((rows, 0))
    whole = {
        name
        for name, values in numeric.items()
        if np.array_equal(values[np.isfinite(values)], np.round(values[np.isfinite(values)]))
    }
    return _Design(matrix, columns, numeric, levels, all_levels, whole, clustered.height)


def _leaf_paths(tree: Any) -> list[tuple[int, list[tuple[int, bool, float]]]]:
    """Every leaf with the (column, went_right, threshold) tests on its path."""
    out = []
    stack: list[tuple[int, list[tuple[int, bool, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            out.append((node, path))
            continue
        col, threshold = int(tree.feature[node]), float(tree.threshold[node])
        stack.append((right, [*path, (col, True, threshold)]))
        stack.append((left, [*path, (col, False, threshold)]))
    return sorted(out)


def _conditions(path: list[tuple[int, bool, float]], design: _Design) -> tuple[Condition, ...]:
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    allowed: dict[str, set[str]] = {}
    order: list[str] = []
    for col, right, threshold in path:
        feature, level = design.columns[col]
        if feature not in order:
            order.append(feature)
        if level is not None:
            current = allowed.setdefault(feature, set(design.all_levels[feature]))
            # One-hot split at 0.5: right = is this level, left = is not.
            allowed[feature] = current & {level} if right else current - {level}
        elif right:
            lower[feature] = max(lower.get(feature, -math.inf), _round3(threshold))
        else:
            upper[feature] = min(upper.get(feature, math.inf), _round3(threshold))
    conditions: list[Condition] = []
    for feature in order:
        if feature in allowed:
            if allowed[feature] != set(design.all_levels[feature]):
                conditions.append(Condition(feature, "in", tuple(sorted(allowed[feature]))))
            continue
        if feature in design.whole and feature in lower and feature in upper:
            low, high = math.floor(lower[feature]) + 1, math.floor(upper[feature])
            if low == high:  # "frequency >= 9 and frequency <= 9" is "frequency = 9"
                conditions.append(Condition(feature, "=", float(low)))
                continue
        if feature in lower:
            if feature in design.whole and not lower[feature].is_integer():
                # On whole numbers "frequency > 8.5" is "frequency >= 9": say it so.
                conditions.append(Condition(feature, ">=", float(math.ceil(lower[feature]))))
            else:
                conditions.append(Condition(feature, ">", lower[feature]))
        if feature in upper:
            value = upper[feature]
            if feature in design.whole and math.isfinite(value):
                value = float(math.floor(value))
            conditions.append(Condition(feature, "<=", value))
    return tuple(conditions)


def rule_mask(conditions: tuple[Condition, ...], design: _Design) -> np.ndarray:
    """Which clustered customers satisfy every condition (missing values never do)."""
    mask = np.ones(design.rows, dtype=bool)
    for c in conditions:
        if isinstance(c.value, tuple):
            mask &= np.isin(design.levels[c.feature], list(c.value))
        else:
            values = design.numeric[c.feature]
            with np.errstate(invalid="ignore"):
                if c.op == ">":
                    mask &= values > c.value
                elif c.op == ">=":
                    mask &= values >= c.value
                elif c.op == "=":
                    mask &= values == c.value
                else:
                    mask &= values <= c.value
    return mask


def _score(segment: int, conditions: tuple[Condition, ...], design: _Design, y: np.ndarray) -> Rule:
    mask = rule_mask(conditions, design)
    selected, hits, members = int(mask.sum()), int((mask & y).sum()), int(y.sum())
    return Rule(
        segment=segment,
        conditions=conditions,
        precision=hits / selected if selected else 0.0,
        recall=hits / members if members else 0.0,
        size=selected,
    )


def segment_rules(
    clustered: pl.DataFrame,
    labels: np.ndarray,
    features: list[str],
    ids: list[int],
    *,
    seed: int,
) -> dict[int, SegmentRules]:
    """Rules per segment id (best recall first); ``clustered`` is row-aligned with
    ``labels``. A segment whose tree has no leaf where it is the majority gets the single
    leaf where it is most concentrated, so every segment has at least one rule."""
    from sklearn.tree import DecisionTreeClassifier

    n = clustered.height
    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, RULES_SAMPLE, replace=False)) if n > RULES_SAMPLE else None
    design = _design(clustered, features, fit_rows)
    X = design.matrix
    min_leaf = max(1, int(RULES_MIN_LEAF_SHARE * X.shape[0]))
    out: dict[int, SegmentRules] = {}
    for seg in ids:
        y_all = labels == seg
        y = y_all if fit_rows is None else y_all[fit_rows]
        if X.shape[1] == 0 or not y.any() or y.all():
            out[seg] = _together(seg, [_score(seg, (), design, y_all)], design, y_all)
            continue
        tree = DecisionTreeClassifier(
            max_depth=RULES_DEPTH, min_samples_leaf=min_leaf, random_state=seed
        ).fit(X, y)
        # value[node] holds the class shares (classes sorted: False, True).
        share = tree.tree_.value[:, 0, 1] / tree.tree_.value[:, 0, :].sum(axis=1)
        leaves = _leaf_paths(tree.tree_)
        chosen = [(node, path) for node, path in leaves if share[node] > 0.5]
        if not chosen:
            chosen = [max(leaves, key=lambda leaf: share[leaf[0]])]
        rules: dict[tuple[Condition, ...], Rule] = {}
        for _node, path in chosen:
            conditions = _conditions(path, design)
            rules.setdefault(conditions, _score(seg, conditions, design, y_all))
        ranked = sorted(rules.values(), key=lambda r: (-r.recall, -r.precision, r.text()))
        out[seg] = _together(seg, ranked, design, y_all)
    return out


def _together(seg: int, rules: list[Rule], design: _Design, y: np.ndarray) -> SegmentRules:
    mask = np.zeros(y.shape[0], dtype=bool)
    for rule in rules:
        mask |= rule_mask(rule.conditions, design)
    selected, hits, members = int(mask.sum()), int((mask & y).sum()), int(y.sum())
    return SegmentRules(
        segment=seg,
        rules=tuple(rules),
        precision=hits / selected if selected else 0.0,
        recall=hits / members if members else 0.0,
    )
