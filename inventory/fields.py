"""Field types of the inventory: what a survey value must be, checked strictly at load.

Survey data is written by departments and is untrusted (SECURITY.md). Types here never coerce
silently: a boolean is not a number (``mlps_level: true`` is refused, not level 1), a number is
not a date (``last_used: 0`` is refused, not 1970-01-01), numbers are finite and below an
absurd bound, names hold no control characters, and record IDs can name a file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from foundation.paths import ID_MAX_LENGTH, ID_PATTERN, RESERVED_IDS, id_problem
from foundation.text import CONTROL_CLASS, control_problem

# Largest count (vCPU, servers, users) and largest quantity (m², GB, CNY) a survey may state:
# far beyond any city, and small enough that sums over a province stay exact and finite.
COUNT_MAX = 10**9
QUANTITY_MAX = 1e12

# The survey's date formats: 2014-05-01, 2014/5/1, 2014.5.1, 2014年5月1日.
SURVEY_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
# A name: no control characters (Rust regex, checked without a Python call per value).
NO_CONTROL_PATTERN = f"^[^{CONTROL_CLASS}]*$"


def survey_date(text: str) -> dt.date | None:
    """The date *text* writes in one of the survey's formats, or None."""
    m = SURVEY_DATE_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _day(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value  # pydantic takes a midnight timestamp and names any other
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        day = survey_date(value)
        if day is None:
            raise ValueError(f"{value!r} is not a valid date (YYYY-MM-DD)")
        return day
    what = f"a boolean ({value})" if isinstance(value, bool) else f"{type(value).__name__} {value!r}"
    raise ValueError(f"must be a date (YYYY-MM-DD), got {what}")


def _number(value: Any) -> Any:
    # YAML writes 1e3 as text (YAML 1.1) and CSV cells are text: those may still read as numbers.
    if isinstance(value, bool):
        raise ValueError(f"must be a number, got a boolean ({value})")
    return value


def _record_id(value: str) -> str:
    # The ID pattern has passed already (in pydantic's core); what id_problem adds, checked cheaply.
    fine = value[:1] != "-" and len(value) <= ID_MAX_LENGTH and value.strip(".")
    if fine and value.lower() not in RESERVED_IDS:
        return value
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _multiline(value: str) -> str:
    problem = control_problem(value, multiline=True)
    if problem is not None:
        raise ValueError(problem)
    return value


# A reference to a record (its existence is checked by inventory.crossref).
RecordId = Annotated[str, Strict(), StringConstraints(pattern=ID_PATTERN, min_length=1)]
# The ID a record is known by: also a valid path component (not '.', '..', reserved names).
OwnId = Annotated[RecordId, AfterValidator(_record_id)]
Name = Annotated[str, Strict(), StringConstraints(pattern=NO_CONTROL_PATTERN)]
RequiredName = Annotated[str, Strict(), StringConstraints(pattern=NO_CONTROL_PATTERN, min_length=1)]
Text = Annotated[str, Strict(), AfterValidator(_multiline)]  # free text: line breaks allowed
# The bounds come before the validator so that pydantic checks them in its core (after
# _number), not with a Python function per bound and value (millions at province scale).
Count = Annotated[int, Field(ge=0, le=COUNT_MAX), BeforeValidator(_number)]
Quantity = Annotated[float, Field(ge=0, le=QUANTITY_MAX, allow_inf_nan=False), BeforeValidator(_number)]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), BeforeValidator(_number)]
Port = Annotated[int, Field(ge=1, le=65535), BeforeValidator(_number)]
MlpsLevel = Annotated[int, Field(ge=1, le=4), BeforeValidator(_number)]
Flag = Annotated[bool, Strict()]
Day = Annotated[dt.date, BeforeValidator(_day)]

# What the careful validation runs before a number or a date (refusing booleans, reading the
# survey's date formats). inventory.fast_path validates JSON strictly instead, where neither is
# needed: a strict number is never a boolean, a strict date is a YYYY-MM-DD string.
LENIENT_READERS = {"number": _number, "date": _day}
# The IDs _record_id looks at twice, as one pattern over many IDs a line (inventory.fast_path
# checks a whole list of records with it instead of a Python call per ID).
OWN_ID_CHECK = _record_id
_RESERVED = "|".join(f"(?i:{re.escape(name)})" for name in sorted(RESERVED_IDS))
OWN_ID_SUSPECT = re.compile(rf"(?m)^(?:-.*|\.+|.{{{ID_MAX_LENGTH + 1},}}|{_RESERVED})$")
