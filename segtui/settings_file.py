"""The settings file (``segtui.toml``): read, merge with flags, write.

A file holds the same keys as :class:`segtui.config.Settings` plus an ``[output]`` table.
Precedence: built-in defaults < file < command-line flags. The UI's "save settings" writes
this format and ``segtui run --config FILE`` replays it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from segtui.config import MAPPING_KEYS, Settings
from segtui.engine.errors import OptionError
from segtui.settings_table import ROW, ROWS, keys

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

# pydantic and the model load when a value is checked, not with this module: `segtui ui
# DATA` finds no settings file and has no value to check before its first frame.

SETTING_KEYS = keys("")  # the top level of a settings file
OUTPUT_KEYS = keys("output")  # its [output] table

_KNOWN: dict[str, tuple[str, ...]] = {
    "": (*SETTING_KEYS, "mapping", "output"),
    "mapping": MAPPING_KEYS,
    "output": OUTPUT_KEYS,
}
_ALL_KEYS = {*SETTING_KEYS, "mapping", "output", *MAPPING_KEYS, *OUTPUT_KEYS}

DEFAULT_NAME = "segtui.toml"


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
        from segtui.engine.output.plan import check_input_file

        check_input_file(explicit, "settings file")
        if not explicit.is_file():
            raise OptionError("config file not found", file=explicit)
        return explicit
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return candidate if candidate.is_file() else None


def read_config(path: Path) -> dict[str, Any]:
    """Parse and check a TOML settings file: every key's type, range and allowed values
    (:class:`SettingsFileModel`); unknown keys are named. A leading BOM (Windows Notepad)
    is accepted. Returns the file's values as parsed."""
    from segtui.engine.output.plan import check_input_file

    check_input_file(path, "settings file")
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"not valid TOML ({exc})", file=path) from None
    except UnicodeDecodeError:
        raise OptionError("not UTF-8 text", file=path) from None
    except RecursionError:
        raise OptionError("nested too deeply to be a settings file", file=path) from None
    except OSError as exc:
        raise OptionError(f"cannot read the file ({exc.strerror or exc})", file=path) from None
    check_values(data, path)
    return data


def check_values(data: Any, path: Path | str | None = None) -> BaseModel:
    """Validate settings values (a file's table, or merged file + flag values); raises
    OptionError naming the first wrong key, what it should be and the value given."""
    from pydantic import ValidationError

    from segtui.settings_model import SettingsFileModel

    try:
        return SettingsFileModel.model_validate(data)
    except ValidationError as exc:
        raise _option_error(exc, path) from None


def _option_error(exc: ValidationError, path: Path | str | None) -> OptionError:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    if error["type"] == "extra_forbidden":
        tables = [part for part in loc[:-1] if part in ("mapping", "output")]
        table = tables[-1] if tables else ""
        # A file speaks of its "[mapping] setting"; flags and the Python API of a "mapping key".
        what = "setting" if not table else f"[{table}] setting" if path else f"{table} key"
        return OptionError(
            f"unknown {what} {loc[-1]!r}",
            file=path,
            hint=f"known: {', '.join(_KNOWN[table])}",
        )
    # Union members add their type name to the location: keep only real keys.
    where = ".".join(part for part in loc if part in _ALL_KEYS) or "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("model_type", "dict_type"):
        message = f"must be a table ([{where}] with its own keys)"
    value = error.get("input")
    shown = repr(value) if not isinstance(value, str | int | float | bool) else value
    if isinstance(shown, str) and len(shown) > 80:
        shown = shown[:77] + "..."
    if not message.startswith(where.rsplit(".", 1)[-1] + " "):
        message = f"{where}: {message}"
    return OptionError(message, file=path, value=shown)


def merge(
    file_values: Mapping[str, Any], flags: Mapping[str, Any], *, base_dir: Path | None = None
) -> Settings:
    """Settings from defaults, then ``file_values``, then non-None ``flags``.

    A relative ``source`` in a file is taken relative to the file's folder (``base_dir``).
    Every value is checked by :class:`SettingsFileModel`; defaults stay in
    :class:`segtui.config.Settings`.
    """
    values: dict[str, Any] = {}
    for key in SETTING_KEYS:
        if key in file_values:
            values[key] = file_values[key]
    for key in ("source", "like"):
        if key in values and base_dir is not None and isinstance(values[key], str):
            path = Path(values[key])
            values[key] = str(path if path.is_absolute() else base_dir / path)
    file_mapping = file_values.get("mapping", {})
    mapping = dict(file_mapping) if isinstance(file_mapping, Mapping) else file_mapping
    if isinstance(mapping, dict) and isinstance(mapping.get("customers"), str) and base_dir:
        customers = Path(mapping["customers"])
        mapping["customers"] = str(customers if customers.is_absolute() else base_dir / customers)
    for key, value in flags.items():
        if key == "mapping" and value is not None and isinstance(mapping, dict):
            mapping.update({k: v for k, v in value.items() if v is not None})
        elif value is not None:
            values[key] = str(value) if isinstance(value, Path) else value
    if mapping:
        values["mapping"] = mapping
    checked = check_values(values)
    given = checked.model_dump(exclude_none=True, exclude={"output"})
    return Settings(
        **{_FIELD_NAMES.get(key, key): _to_settings(key, value) for key, value in given.items()}
    )


# Settings-file keys whose Settings field has another name (horizon: horizon_days).
_FIELD_NAMES = {row.key: row.field for row in ROWS if row.table == "" and row.field}


def _to_settings(key: str, value: Any) -> Any:
    """A checked value in the type :class:`Settings` holds."""
    if key in ROW and ROW[key].type is Path:
        return Path(value)
    if key == "features":
        return tuple(value)
    if key == "mapping":
        return tuple(sorted(value.items()))
    if key == "log":
        return settings_log(value)
    return value


def settings_log(mode: str) -> Any:
    """The ``log`` mode (off, on, auto) as :class:`Settings` holds it: the mode itself
    once Settings.log is the tri-state, a bool while it is still one (auto = default)."""
    default = Settings.log
    if isinstance(default, bool):
        return {"on": True, "off": False}.get(mode, default)
    return mode


def output_settings(file_values: Mapping[str, Any], flags: Mapping[str, Any]) -> OutputSettings:
    """The ``[output]`` table overridden by non-None flags."""
    values = dict(file_values.get("output", {}))
    values.update({k: v for k, v in flags.items() if v is not None})
    return OutputSettings(**{k: values[k] for k in OUTPUT_KEYS if k in values})


def dump(settings: Settings, output: OutputSettings | None = None) -> str:
    """TOML text that :func:`read_config` + :func:`merge` turn back into ``settings``."""
    lines = ["# segtui settings: replay with `segtui run --config THIS_FILE`"]
    for row in ROWS:
        value = getattr(settings, row.field or row.key) if row.table == "" else None
        if value is None:
            continue
        if row.group == "value":
            written = settings.clv  # the customer-value keys go together, with clv
        else:
            written = row.key in ("k", "returns") or row.group == "clustering"
            written = written or value != row.default
        if written:
            value = Path(value).resolve() if row.type is Path else value
            lines.append(f"{row.key} = {_toml_value(value)}")
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


def _toml_value(value: Any) -> str:
    """A Settings value in TOML: a path as text, a tuple as an array, a date in ISO."""
    if isinstance(value, Path):
        return _toml(str(value))
    if isinstance(value, tuple):
        return f"[{', '.join(_toml(item) for item in value)}]"
    return _toml(value.isoformat() if isinstance(value, dt.date) else value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
