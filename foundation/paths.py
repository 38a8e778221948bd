"""IDs as path components: which IDs are allowed, and the one function that builds a path from one.

Record IDs become file names (department plans, runbooks, stack files) and directories on
target hosts (data mounts). An ID is validated once, at load (:func:`id_problem`), and every
path built from an ID goes through :func:`path_for_id`, which checks again and makes sure the
result stays inside its root, so a hand-edited plan cannot smuggle ``..`` past the loader.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath
from typing import TypeVar

from foundation.errors import GovcloudError

ID_PATTERN = r"^[A-Za-z0-9_.-]+$"  # INVENTORY_FORMAT.md: IDs are [A-Za-z0-9_.-]+
ID_MAX_LENGTH = 128  # a file name component is at most 255 bytes; leave room for suffixes
_ID_RE = re.compile(ID_PATTERN)
# File names govcloud writes next to ID-named files: an ID equal to one would overwrite it
# (a department ``index`` would replace departments/index.html).
RESERVED_IDS = frozenset({"index"})

P = TypeVar("P", bound=PurePath)


class UnsafePathError(GovcloudError, ValueError):
    """An ID that cannot name a file or directory, or a path that would leave its root."""


def id_problem(value: str) -> str | None:
    """Why *value* cannot be a record ID (and so a path component), or None when it can."""
    if not _ID_RE.fullmatch(value):
        return f"{value!r} is not a valid ID (letters, digits, '_', '.', '-' only)"
    if set(value) == {"."}:
        return f"{value!r} is not a valid ID: '.' and '..' name directories, not records"
    if value.startswith("-"):
        return f"{value!r} is not a valid ID: it must not start with '-' (it would read as an option)"
    if value.lower() in RESERVED_IDS:
        return f"{value!r} is a reserved name (a file govcloud writes is called so); choose another ID"
    if len(value) > ID_MAX_LENGTH:
        return f"ID is {len(value)} characters long; at most {ID_MAX_LENGTH}"
    return None


def path_for_id(root: P, record_id: str, suffix: str = "") -> P:
    """``root / (record_id + suffix)``, refused unless the ID is valid and the result stays in *root*.

    Works for local paths (:class:`~pathlib.Path`: symlinks are resolved for the check) and for
    paths on a target host (:class:`~pathlib.PurePosixPath`: checked lexically).
    """
    problem = id_problem(record_id) if isinstance(record_id, str) else f"{record_id!r} is not text"
    if problem is None and ("/" in suffix or "\\" in suffix or "\x00" in suffix):
        problem = f"suffix {suffix!r} is not a file name suffix"
    if problem is not None:
        raise UnsafePathError(f"cannot build a path from ID {record_id!r}: {problem}")
    candidate = root / f"{record_id}{suffix}"
    if candidate.parent != root or candidate.name in ("", ".", ".."):
        raise UnsafePathError(f"{candidate}: leaves {root}")
    if isinstance(candidate, Path):
        real_root = Path(os.path.realpath(root))
        real = Path(os.path.realpath(candidate))
        if real.parent != real_root and not real.is_relative_to(real_root):
            raise UnsafePathError(f"{candidate}: resolves to {real}, outside {real_root}")
    return candidate
