"""Building pydantic records from trusted values without pydantic's per-field Python work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class _AllFields(set[str]):
    """The field names of a class, shared by the records :func:`built` makes of it.

    Assigning a field adds its name, already there: nothing changes. A name that is no field
    (an extra attribute set later) would show as set in every record: refused instead.
    """

    def add(self, name: str) -> None:
        if name not in self:
            raise TypeError(f"cannot add {name!r} to a record built by foundation.construct.built")


_ALL_SET: dict[type[BaseModel], _AllFields] = {}
_ORDER: dict[type[BaseModel], tuple[str, ...]] = {}


def built(cls: type[M], values: dict[str, Any]) -> M:
    """``cls.model_construct(**values)`` for trusted values that give every field of *cls*, in order.

    The planner makes several records per system: model_construct walks every field in Python
    for each (seconds at 100,000 systems); with every field given there is nothing to default,
    and the instance is set up as model_construct sets it up, except that all records of a class
    share one set of field names (every field is set in each; a set per record is hundreds of
    MB at that scale). Values that leave a field out go through model_construct itself.
    """
    names = _ALL_SET.get(cls)
    if names is None:
        names = _ALL_SET[cls] = _AllFields(cls.__pydantic_fields__)
        _ORDER[cls] = tuple(cls.__pydantic_fields__)
    if tuple(values) != _ORDER[cls]:  # a field left out, or given out of order (JSON keeps the order)
        return cls.model_construct(**values)
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", values)
    object.__setattr__(m, "__pydantic_fields_set__", names)
    object.__setattr__(m, "__pydantic_extra__", {} if cls.model_config.get("extra") == "allow" else None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def builder(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """:func:`built` of *cls* for a caller whose values always give every field, in order.

    The check of the field names is the caller's, once, not one per record (messages are made
    hundreds of thousands of times at province scale).
    """
    names = _ALL_SET.get(cls)
    if names is None:
        names = _ALL_SET[cls] = _AllFields(cls.__pydantic_fields__)
        _ORDER[cls] = tuple(cls.__pydantic_fields__)
    extra_allowed = cls.model_config.get("extra") == "allow"
    new, setattr_ = cls.__new__, object.__setattr__
    unchecked = [True]

    def build(values: dict[str, Any]) -> M:
        if unchecked:  # the caller's first record: the fields it gives are the class's, in order
            if tuple(values) != _ORDER[cls]:
                raise TypeError(f"{cls.__name__} is built from the fields {_ORDER[cls]}, not {tuple(values)}")
            unchecked.clear()
        m = new(cls)
        setattr_(m, "__dict__", values)
        setattr_(m, "__pydantic_fields_set__", names)
        setattr_(m, "__pydantic_extra__", {} if extra_allowed else None)
        setattr_(m, "__pydantic_private__", None)
        return m

    return build
