"""The settings file (``segtui.toml``): read, merge with flags, write.

A file holds the same keys as :class:`segtui.config.Settings` plus an ``[output]`` table.
Precedence: built-in defaults < file < command-line flags. The UI's "save settings" writes
this format and ``segtui run --config FILE`` replays it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segtui.config import MAPPING_KEYS, RETURNS_RULES, Settings
from segtui.engine.errors import OptionError

DEFAULT_NAME = "segtui.toml"
SETTING_KEYS = (
    "source",
    "k",
    "features",
    "scaling",
    "log",
    "seed",
    "n_init",
    "as_of",
    "categorical_weight",
    "returns",
    "rfm",
    "like",
    # customer value (--clv): see engine/value/
    "clv",
    "horizon",
    "discount_rate",
    "holdout_end",
)
OUTPUT_KEYS = ("out", "summary", "force", "raw_csv", "save_model")


@dataclass(frozen=True)
class OutputSettings:
    """Where a run writes (the ``[output]`` table)."""

    out: str | None = None
    summary: str | None = None
    force: bool = False
    raw_csv: bool = False
    save_model: str | None = None


def find_config(explicit: Path | None, cwd: Path | None = None) -> Path | None:
    """The config file to use: ``explicit`` (must exist) or ``./segtui.toml`` if present."""
    if explicit is not None:
        if not explicit.is_file():
            raise OptionError("config file not found", file=explicit)
        return explicit
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return candidate if candidate.is_file() else None


def read_config(path: Path) -> dict[str, Any]:
    """Parse a TOML settings file; unknown keys are an error naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"not valid TOML ({exc})", file=path) from None
    except UnicodeDecodeError:
        raise OptionError("not UTF-8 text", file=path) from None
    allowed = set(SETTING_KEYS) | {"output", "mapping"}
    for key in data:
        if key not in allowed:
            raise OptionError(
                f"unknown setting {key!r}", file=path, hint=f"known: {', '.join(sorted(allowed))}"
            )
    for key, value in data.get("output", {}).items():
        if key not in OUTPUT_KEYS:
            raise OptionError(f"unknown [output] setting {key!r}", file=path)
        kind = bool if key in ("force", "raw_csv") else str
        if not isinstance(value, kind):
            what = "true or false" if kind is bool else "a path string"
            raise OptionError(f"[output] {key} must be {what}", file=path, value=value)
    mapping = data.get("mapping", {})
    if not isinstance(mapping, dict):
        raise OptionError("[mapping] must be a table of column names", file=path)
    for key, value in mapping.items():
        if key not in MAPPING_KEYS:
            raise OptionError(
                f"unknown [mapping] setting {key!r}",
                file=path,
                hint=f"known: {', '.join(MAPPING_KEYS)}",
            )
        if not isinstance(value, str):
            raise OptionError(f"[mapping] {key} must be a string", file=path, value=value)
    return data


def merge(
    file_values: Mapping[str, Any], flags: Mapping[str, Any], *, base_dir: Path | None = None
) -> Settings:
    """Settings from defaults, then ``file_values``, then non-None ``flags``.

    A relative ``source`` in a file is taken relative to the file's folder (``base_dir``).
    """
    values: dict[str, Any] = {}
    for key in SETTING_KEYS:
        if key in file_values:
            values[key] = file_values[key]
    for key in ("source", "like"):
        if key in values and base_dir is not None and values[key] is not None:
            path = Path(values[key])
            values[key] = path if path.is_absolute() else base_dir / path
    mapping = dict(file_values.get("mapping", {}))
    if "customers" in mapping and base_dir is not None:
        customers = Path(mapping["customers"])
        mapping["customers"] = str(customers if customers.is_absolute() else base_dir / customers)
    for key, value in flags.items():
        if key == "mapping" and value is not None:
            mapping.update({k: v for k, v in value.items() if v is not None})
        elif value is not None:
            values[key] = value
    if mapping:
        values["mapping"] = mapping
    return _coerce(values)


def _coerce(values: dict[str, Any]) -> Settings:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("source", "like"):
            if value is not None and not isinstance(value, str | Path):
                raise OptionError(f"{key} must be a path string", value=value)
            out[key] = Path(value) if value is not None else None
        elif key == "k":
            out[key] = _k(value)
        elif key in ("seed", "n_init"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"{key} must be a whole number", value=value)
            out[key] = value
        elif key == "features":
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",")]
            out[key] = tuple(str(v).strip() for v in value if str(v).strip())
        elif key == "as_of":
            if isinstance(value, str):
                from segtui.engine.io.dates import parse_date_option

                value = parse_date_option(value)
            if value is not None and not isinstance(value, dt.date):
                raise OptionError("as_of must be a date YYYY-MM-DD", value=value)
            out[key] = value
        elif key == "categorical_weight":
            out[key] = _weight(value)
        elif key in ("log", "rfm", "clv"):
            out[key] = bool(value)
        elif key in ("horizon", "discount_rate", "holdout_end"):
            out.update(_value_option(key, value))
        elif key == "mapping":
            out[key] = _mapping(value)
        elif key == "returns":
            if value not in RETURNS_RULES:
                raise OptionError("returns must be one of " + ", ".join(RETURNS_RULES), value=value)
            out[key] = value
        else:
            out[key] = value
    return Settings(**out)


def _value_option(key: str, value: Any) -> dict[str, Any]:
    """A --clv option as its Settings field: horizon (whole days), discount_rate (annual
    fraction), holdout_end (a date)."""
    if key == "horizon":
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError("horizon must be a whole number of days", value=value)
        return {"horizon_days": value}
    if key == "discount_rate":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise OptionError("discount_rate must be a number (0.1 = 10% a year)", value=value)
        return {"discount_rate": float(value)}
    if isinstance(value, str):
        from segtui.engine.io.dates import parse_date_option

        value = parse_date_option(value)
    if value is not None and not isinstance(value, dt.date):
        raise OptionError("holdout_end must be a date YYYY-MM-DD", value=value)
    return {"holdout_end": value}


def _mapping(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, tuple):
        value = dict(value)
    pairs = []
    for key, text in dict(value).items():
        if key not in MAPPING_KEYS:
            raise OptionError(f"unknown mapping key {key!r}", hint=", ".join(MAPPING_KEYS))
        if key == "delimiter":
            text = {"\\t": "\t", "tab": "\t"}.get(str(text).lower(), str(text))
            if len(text) != 1:
                raise OptionError(
                    "the delimiter must be one character (or 'tab')", value=value[key]
                )
        pairs.append((key, str(text)))
    return tuple(sorted(pairs))


def _k(value: Any) -> int | str:
    """A whole number of segments, or "auto" (chosen by a sweep)."""
    from segtui.config import AUTO_K

    if isinstance(value, str):
        text = value.strip().lower()
        if text == AUTO_K:
            return AUTO_K
        if text.lstrip("+-").isdigit():
            return int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    raise OptionError("k must be a whole number or 'auto'", value=value)


def _weight(value: Any) -> float | str:
    if isinstance(value, str):
        if value.strip().lower() == "raw":
            return "raw"
        try:
            return float(value)
        except ValueError:
            raise OptionError("categorical weight expects a number or 'raw'", value=value) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OptionError("categorical weight expects a number or 'raw'", value=value)
    return float(value)


def output_settings(file_values: Mapping[str, Any], flags: Mapping[str, Any]) -> OutputSettings:
    """The ``[output]`` table overridden by non-None flags."""
    values = dict(file_values.get("output", {}))
    values.update({k: v for k, v in flags.items() if v is not None})
    return OutputSettings(**{k: values[k] for k in OUTPUT_KEYS if k in values})


def dump(settings: Settings, output: OutputSettings | None = None) -> str:
    """TOML text that :func:`read_config` + :func:`merge` turn back into ``settings``."""
    lines = ["# segtui settings: replay with `segtui run --config THIS_FILE`"]
    if settings.source is not None:
        lines.append(f"source = {_toml(str(Path(settings.source).resolve()))}")
    lines += [
        f"k = {_toml(settings.k)}",
        f"features = [{', '.join(_toml(f) for f in settings.features)}]",
        f"scaling = {_toml(settings.scaling)}",
        f"log = {_toml(settings.log)}",
        f"seed = {settings.seed}",
        f"n_init = {settings.n_init}",
    ]
    if settings.as_of is not None:
        lines.append(f"as_of = {_toml(settings.as_of.isoformat())}")
    lines.append(f"categorical_weight = {_toml(settings.categorical_weight)}")
    lines.append(f"returns = {_toml(settings.returns)}")
    if settings.rfm:
        lines.append("rfm = true")
    if settings.like is not None:
        lines.append(f"like = {_toml(str(Path(settings.like).resolve()))}")
    if settings.clv:
        lines += [
            "clv = true",
            f"horizon = {settings.horizon_days}",
            f"discount_rate = {_toml(settings.discount_rate)}",
        ]
        if settings.holdout_end is not None:
            lines.append(f"holdout_end = {_toml(settings.holdout_end.isoformat())}")
    if settings.mapping:
        lines += ["", "[mapping]"]
        for key, value in settings.mapping:
            if key == "customers":
                value = str(Path(value).resolve())
            lines.append(f"{key} = {_toml(value)}")
    if output is not None and (output.out or output.summary or output.save_model):
        lines += ["", "[output]"]
        for key in OUTPUT_KEYS:
            value = getattr(output, key)
            if value not in (None, False):
                lines.append(f"{key} = {_toml(value)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
