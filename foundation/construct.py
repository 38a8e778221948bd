"""Building pydantic records from trusted values without pydantic's per-field Python work."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def built(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for trusted values that give every field of *cls*.

    The planner makes several records per system: model_construct walks every field in Python
    for each (seconds at 100,000 systems); with every field given there is nothing to default,
    and the instance is set up exactly as model_construct sets it up. Values that leave a field
    out go through model_construct itself.
    """
    if values.keys() != cls.__pydantic_fields__.keys():
        return cls.model_construct(**values)
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", set(values))
    object.__setattr__(m, "__pydantic_extra__", {} if cls.model_config.get("extra") == "allow" else None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m
