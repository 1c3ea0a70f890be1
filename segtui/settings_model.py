"""The typed shape of a settings file (``segtui.toml``) and of the command-line values
merged over it: each key's type, range and allowed values, checked by pydantic. The
three models are built from the rows of :mod:`segtui.settings_table` (a key, its type,
its choices as a Literal); the checks beyond types are the validators below.

Every field is optional and ``None`` means "not given": the defaults stay in
:class:`segtui.config.Settings` (from the rows). The same model checks a saved
model's ``settings`` table (:mod:`segtui.engine.models.model`).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, create_model, field_validator

from segtui.config import AUTO_K, LOG_MODES, METHODS, RETURNS_RULES, SCALINGS
from segtui.settings_table import MAX_SEED, ROW, ROWS, Row, shown

# Ranges: the rows of segtui/settings_table.py (the engine checks the same ones).
MAX_K = int(ROW["k"].hi or 0)
MAX_N_INIT = int(ROW["n_init"].hi or 0)
MAX_CATEGORICAL_WEIGHT = float(ROW["categorical_weight"].hi or 0)
MAX_HORIZON_DAYS = int(ROW["horizon"].hi or 0)  # ten years: the value models say nothing beyond
MAX_DISCOUNT_RATE = float(ROW["discount_rate"].hi or 0)  # 1,000% a year is a typo, not a rate
# `log`: off, on, or auto (the engine decides from the features' skewness); true/false
# are accepted as on/off. The text "false" is off, never true (bool("false") is True).
_LOG_WORDS = {"true": "on", "false": "off", "yes": "on", "no": "off"}


class _Table(BaseModel):
    # strict: no silent coercion ("3" is not 3, 1 is not true); forbid: unknown keys named.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def file_type(row: Row) -> Any:
    """A row's type in a settings file (None = not given is always allowed)."""
    if row.file_type is not None:
        kind = row.file_type
    elif row.choices:
        kind = Literal[row.choices]  # type: ignore[valid-type]  # built from the row
    else:
        kind = {Path: str, float: float | int}.get(row.type, row.type)
    return kind | None


def fields(table: str) -> dict[str, Any]:
    """The pydantic fields of a settings-file table, one per row, in the table's order."""
    return {row.key: (file_type(row), None) for row in ROWS if row.table == table}


class _MappingChecks(_Table):
    """``[mapping]``: how a single transaction log's columns are named (all text)."""

    @field_validator("delimiter", check_fields=False)
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = {"\\t": "\t", "tab": "\t"}.get(value.lower(), value)
        if len(text) != 1:
            raise ValueError("the delimiter must be one character (or 'tab')")
        if text in '"\r\n':
            raise ValueError("the delimiter cannot be a quote or a line break")
        if len(text.encode("utf-8")) != 1:
            # The CSV readers split on one byte; 'é' is two in UTF-8.
            raise ValueError("the delimiter must be one ASCII character, such as , ; | or tab")
        return text

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\0" in value:
            raise ValueError("must not contain a NUL character")
        return value


MappingTable = create_model("MappingTable", __base__=_MappingChecks, **fields("mapping"))
# ``[output]``: where ``segtui run`` writes.
OutputTable = create_model("OutputTable", __base__=_Table, **fields("output"))


class _SettingsChecks(_Table):
    """A settings file's top level, or the merged file + flag values: the checks of the
    rows' values beyond their types."""

    @field_validator("source", "like", check_fields=False)
    @classmethod
    def _path_text(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or "\0" in value):
            raise ValueError("must be a file or folder path")
        return value

    @field_validator("horizon", check_fields=False)
    @classmethod
    def _horizon(cls, value: int | None) -> int | None:
        if value is not None and not 1 <= value <= MAX_HORIZON_DAYS:
            raise ValueError(
                f"horizon (--horizon) must be 1 to {MAX_HORIZON_DAYS} days (got {value})"
            )
        return value

    @field_validator("discount_rate", check_fields=False)
    @classmethod
    def _discount_rate(cls, value: float | None) -> float | None:
        if value is None:
            return None
        if not (math.isfinite(value) and 0 <= value <= MAX_DISCOUNT_RATE):
            raise ValueError(
                f"discount_rate (--discount-rate) must be 0 to {MAX_DISCOUNT_RATE:g} "
                f"(0.1 = 10% a year; got {value})"
            )
        return float(value)

    @field_validator(
        "seed",
        "n_init",
        "categorical_weight",
        "horizon",
        "discount_rate",
        mode="before",
        check_fields=False,
    )
    @classmethod
    def _plain_number(cls, value: Any) -> Any:
        # numpy scalars from the Python API are numbers too (strict mode alone refuses them)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool | int):
            return int(value)
        if isinstance(value, numbers.Real) and not isinstance(value, bool | int | float):
            return float(value)
        return value

    @field_validator("features", mode="before", check_fields=False)
    @classmethod
    def _feature_sequence(cls, value: Any) -> Any:
        return list(value) if isinstance(value, tuple) else value

    @field_validator("seed", check_fields=False)
    @classmethod
    def _seed(cls, value: int | None) -> int | None:
        if value is not None and not ROW["seed"].in_bounds(value):
            raise ValueError(f"seed must be between 0 and {MAX_SEED} (got {value})")
        return value

    @field_validator("n_init", check_fields=False)
    @classmethod
    def _n_init(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"n-init must be at least 1 (got {value})")
        if value is not None and value > MAX_N_INIT:
            raise ValueError(f"n-init must be at most {MAX_N_INIT} (got {value})")
        return value

    @field_validator("k", mode="before", check_fields=False)
    @classmethod
    def _k_type(cls, value: Any) -> Any:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool | int):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int | str | None):
            raise ValueError("k must be a whole number or 'auto'")
        return value

    @field_validator("k", check_fields=False)
    @classmethod
    def _k(cls, value: int | str | None) -> int | str | None:
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip().lower()
            if text == AUTO_K:
                return AUTO_K
            if not text.lstrip("+-").isdigit() or len(text) > 6:
                raise ValueError("k must be a whole number or 'auto'")
            value = int(text)
        if value < 2:
            raise ValueError(f"k must be at least 2 (got {value})")
        if value > MAX_K:
            raise ValueError(f"k must be at most {MAX_K} (got {value}), or 'auto'")
        return value

    @field_validator("features", check_fields=False)
    @classmethod
    def _features(cls, value: list[str] | str | None) -> list[str] | None:
        if value is None:
            return None
        names = value.split(",") if isinstance(value, str) else value
        cleaned = [name.strip() for name in names if name.strip()]
        if not cleaned:
            raise ValueError("features must name at least one feature")
        return cleaned

    @field_validator("scaling", mode="before", check_fields=False)
    @classmethod
    def _scaling(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() not in SCALINGS:
            raise ValueError(f"scaling must be one of {', '.join(SCALINGS)}")
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("method", mode="before", check_fields=False)
    @classmethod
    def _method(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("returns", mode="before", check_fields=False)
    @classmethod
    def _returns(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() not in RETURNS_RULES:
            raise ValueError(f"returns must be one of {', '.join(RETURNS_RULES)}")
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log", check_fields=False)
    @classmethod
    def _log(cls, value: bool | str | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "on" if value else "off"
        text = value.strip().lower()
        text = _LOG_WORDS.get(text, text)
        if text not in LOG_MODES:
            raise ValueError("log must be on, off, auto, true or false")
        return text

    @field_validator("as_of", "holdout_end", mode="before", check_fields=False)
    @classmethod
    def _as_of(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            from segtui.engine.io.dates import parse_date_option

            option = "--" + str(info.field_name).replace("_", "-")
            try:
                return parse_date_option(value, option=f"{info.field_name} ({option})")
            except Exception as exc:  # OptionError: re-raised as the validation message
                raise ValueError(getattr(exc, "message", str(exc))) from None
        return value

    @field_validator("categorical_weight", check_fields=False)
    @classmethod
    def _weight(cls, value: float | int | str | None) -> float | str | None:
        if value is None:
            return None
        if isinstance(value, str):
            if value.strip().lower() == "raw":
                return "raw"
            try:
                value = float(value)
            except ValueError:
                raise ValueError("categorical weight expects a number or 'raw'") from None
        number = float(value)
        if not math.isfinite(number) or not 0 <= number <= MAX_CATEGORICAL_WEIGHT:
            raise ValueError(
                f"categorical weight must be between 0 and {MAX_CATEGORICAL_WEIGHT:g}, or 'raw'"
            )
        return number

    @field_validator("*")
    @classmethod
    def _in_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        # Defined last, so it runs after each key's own check: a row's bounds hold for
        # every number of its key, a key added to the table included.
        row = ROW.get(str(info.field_name))
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if row is not None and number and not row.in_bounds(value):
            low = "" if row.lo is None else f"at least {shown(row.lo)}"
            high = "" if row.hi is None else f"at most {shown(row.hi)}"
            raise ValueError(f"{row.key} must be {' and '.join(filter(None, (low, high)))}")
        return value


# The tables inside a settings file, after its top-level keys.
_TABLES: dict[str, Any] = {
    "mapping": (MappingTable | None, None),
    "output": (OutputTable | None, None),
}
SettingsFileModel = create_model(
    "SettingsFileModel", __base__=_SettingsChecks, **fields(""), **_TABLES
)
