"""foundation.construct.built: what model_construct gives, without its per-field work."""

from __future__ import annotations

import pytest

from foundation.construct import built
from foundation.messages.catalogue import Message
from planner.plan_model import Link, LinkBoundary, Sizing


def test_built_records_equal_model_construct_and_serialise_alike() -> None:
    values = {"vcpu": 2, "ram_gb": 4.0, "storage_gb": 50.0, "servers": 1, "data_gb": 10.0, "team_hours": 8.0}
    link = {"system": "a", "kind": "api", "protocol": "tcp", "port": 443,
            "boundary": LinkBoundary.SAME_DOMAIN, "rule": "DEP-1", "via": None}
    for cls, given in ((Sizing, values), (Link, link), (Message, {"key": "k", "params": {"n": 1}})):
        ours, theirs = built(cls, dict(given)), cls.model_construct(**given)
        assert ours == theirs
        assert ours.model_dump_json() == theirs.model_dump_json()
        assert ours.model_fields_set == theirs.model_fields_set
        assert ours.__pydantic_extra__ == theirs.__pydantic_extra__


def test_values_missing_a_field_get_its_default_as_model_construct_gives_it() -> None:
    partial = built(Sizing, {"vcpu": 2})
    assert partial == Sizing.model_construct(vcpu=2)
    assert partial.servers == 1 and partial.model_fields_set == {"vcpu"}


def test_built_records_share_their_field_names_yet_behave_as_their_own() -> None:
    values = {"vcpu": 2, "ram_gb": 4.0, "storage_gb": 50.0, "servers": 1, "data_gb": 10.0, "team_hours": 8.0}
    a, b = built(Sizing, dict(values)), built(Sizing, dict(values))
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__  # one set per class, not per record
    a.vcpu = 4
    assert (a.vcpu, b.vcpu) == (4, 2) and b.model_fields_set == set(values)
    copy = a.model_copy(update={"vcpu": 8})
    assert copy.vcpu == 8 and a.vcpu == 4
    with pytest.raises(TypeError, match="built by foundation.construct.built"):
        a.extra_attribute = 1  # would show as set in every record of the class


def test_values_out_of_order_give_the_fields_in_their_declared_order() -> None:
    values = {"team_hours": 8.0, "vcpu": 2, "ram_gb": 4.0, "storage_gb": 50.0, "servers": 1, "data_gb": 10.0}
    record = built(Sizing, dict(values))
    assert list(record.model_dump()) == list(Sizing.model_fields)
    assert record.model_dump_json() == Sizing.model_construct(**values).model_dump_json()


def test_a_builder_makes_what_built_makes_and_refuses_fields_out_of_order_at_its_first_record() -> None:
    from foundation.construct import builder

    values = {"vcpu": 2, "ram_gb": 4.0, "storage_gb": 50.0, "servers": 1, "data_gb": 10.0, "team_hours": 8.0}
    make = builder(Sizing)
    ours, theirs = make(dict(values)), built(Sizing, dict(values))
    assert ours == theirs and ours.model_dump_json() == theirs.model_dump_json()
    assert ours.__pydantic_fields_set__ is theirs.__pydantic_fields_set__
    reordered = builder(Sizing)
    with pytest.raises(TypeError, match="built from the fields"):
        reordered({"team_hours": 8.0, **{k: v for k, v in values.items() if k != "team_hours"}})
