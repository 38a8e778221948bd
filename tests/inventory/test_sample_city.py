"""The bundled sample city 阜新市: loads, every reference resolves, every deliberate case is there."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections import Counter, defaultdict
from pathlib import Path

import networkx as nx
import pytest

from inventory.loader import bundled_inventory_path, load_inventory
from inventory.models import Inventory, NetworkKind, System
from inventory.synth import dangling_references

SURVEY = dt.date(2018, 1, 31)
LONG_UNUSED = dt.date(2017, 7, 31)
SAMPLE_DIR = bundled_inventory_path()


@pytest.fixture(scope="module")
def city() -> Inventory:
    return load_inventory()


@pytest.fixture(scope="module")
def systems(city: Inventory) -> dict[str, System]:
    return {s.id: s for s in city.systems}


def deliberate_cases() -> dict[str, str]:
    """system id -> rule, from the README table planner tests rely on."""
    text = (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split("## Deliberate cases", 1)[1].split("\n## ", 1)[0]
    return {m[0]: m[1] for m in re.findall(r"^\| `([^`]+)` \| [^|]+ \| [^|]+ \| ([^|]+?) \|", section, re.M)}


# Signals of each zombie kind, with the thresholds the README states.
ZOMBIE = {
    "ZOMBIE-1": lambda s: s.usage is not None and not s.usage.business_linked,
    "ZOMBIE-2": lambda s: s.replaced_by is not None,
    "ZOMBIE-3": lambda s: (s.utilisation is not None and s.utilisation < 0.05) or s.status.value == "idle",
    "ZOMBIE-4": lambda s: s.status.value == "maintenance_stopped",
    "ZOMBIE-5": lambda s: (
        s.usage is not None
        and s.usage.scope.value == "unit"
        and s.usage.monthly_active_users < 20
        and s.usage.last_used is not None
        and s.usage.last_used < LONG_UNUSED
    ),
}


def dependency_graph(inv: Inventory) -> nx.DiGraph:
    g = nx.DiGraph()
    for s in inv.systems:
        g.add_node(s.id, department=s.department)
        for d in s.depends_on:
            g.add_edge(s.id, d.system)
    return g


def test_sample_city_is_fuxin_with_two_counties_and_five_districts(city: Inventory) -> None:
    levels = Counter(r.level.value for r in city.regions)
    assert city.city.id == "fx" and city.city.name == "阜新市"
    assert levels == {"city": 1, "county": 2, "district": 5}
    assert {r.name for r in city.regions} >= {
        "彰武县",
        "阜新蒙古族自治县",
        "海州区",
        "太平区",
        "新邱区",
        "细河区",
        "清河门区",
    }


def test_sample_city_has_enough_departments_buildings_and_systems(city: Inventory) -> None:
    assert len(city.departments) >= 40
    assert len(city.buildings) >= 10
    assert len(city.systems) >= 250
    per_building = Counter(d.building for d in city.departments)
    assert sum(1 for n in per_building.values() if n >= 3) >= 3, "several departments per building (ROOM-3)"
    assert {"市财政局", "市公安局", "市人社局", "市自然资源局", "市卫健委", "市大数据局", "市税务局"} <= {
        d.name for d in city.departments
    }


def test_every_reference_in_the_sample_city_resolves(city: Inventory) -> None:
    assert dangling_references(city) == []


def test_ids_are_unique_per_entity_kind(city: Inventory) -> None:
    for kind in (
        "regions",
        "buildings",
        "departments",
        "rooms",
        "networks",
        "systems",
        "assets",
        "platforms",
    ):
        ids = [r.id for r in getattr(city, kind)]
        assert len(ids) == len(set(ids)), kind


def test_every_deliberate_case_in_the_readme_exists_and_shows_its_rule(systems: dict[str, System]) -> None:
    cases = deliberate_cases()
    assert len(cases) >= 40
    for sid, rule in cases.items():
        s = systems[sid]
        for zombie, signal in ZOMBIE.items():
            if rule.startswith(zombie):
                assert signal(s), f"{sid} does not show {zombie}"
        if rule.startswith("SCOPE-2"):
            assert s.classified
        if rule.startswith("SCOPE-3"):
            assert s.programme
        if rule == "ROOM-1":
            assert s.category.value == "lan_only" and s.room
        if rule == "MLPS-2":
            assert s.mlps_level == 4 and not s.classified and not s.programme
        if rule == "PLATFORM-1":
            assert s.category.value in ("website", "oa", "hotline", "video", "email", "im")
        if rule == "BIGSYS-1":
            assert s.unit


def test_each_zombie_kind_has_a_system_showing_only_that_signal(city: Inventory) -> None:
    for kind, signal in ZOMBIE.items():
        pure = [
            s.id for s in city.systems if signal(s) and not any(o(s) for k, o in ZOMBIE.items() if k != kind)
        ]
        assert pure, f"no system shows only {kind}"


def test_ordinary_main_systems_are_not_zombies_and_carry_the_core_business(city: Inventory) -> None:
    build = importlib.import_module("inventory.sample._build_sample")
    sysmap = {s.id: s for s in city.systems}
    for bid, _name, _region, depts in build.BUILDINGS:
        for did, key, _size, _rooms in depts:
            t = build.CATALOGUE_BY_KEY[key]
            main = sysmap[f"{did}-{t.core.replace('_', '-')}"]
            assert main.department == did and main.function == t.core
            assert not any(sig(main) for sig in ZOMBIE.values())
            users = [s.usage.monthly_active_users for s in city.systems if s.department == did and s.usage]
            assert main.usage and main.usage.monthly_active_users == max(users), f"{bid}/{did}"


def test_sample_city_has_shadow_pairs_with_different_usage(city: Inventory) -> None:
    groups: dict[tuple[str, str], list[System]] = defaultdict(list)
    for s in city.systems:
        if s.category.value == "business" and s.function:
            groups[(s.department, s.function)].append(s)
    pairs = [g for g in groups.values() if len(g) >= 2]
    assert len(pairs) >= 2
    usage = {tuple(sorted(s.usage.monthly_active_users for s in g if s.usage)) for g in pairs}
    assert all(len(set(u)) > 1 for u in usage)


def test_sample_city_has_platform_copies_classified_programme_and_lan_only_systems(city: Inventory) -> None:
    cats = Counter(s.category.value for s in city.systems)
    assert all(cats[c] >= 1 for c in ("website", "oa", "hotline", "video", "email", "lan_only"))
    nets = {n.id: n for n in city.networks}
    classified = [s for s in city.systems if s.classified]
    assert classified and any(nets[n].kind is NetworkKind.INTRANET for s in classified for n in s.networks)
    golden = [s for s in city.systems if s.programme]
    assert len({s.programme for s in golden}) >= 4
    for s in golden:
        national = [nets[n] for n in s.networks if nets[n].kind is NetworkKind.NATIONAL_NETWORK]
        assert national and national[0].programme == s.programme
    assert all(s.room for s in city.systems if s.category.value == "lan_only")


def test_public_facing_system_on_private_network_only_exists(city: Inventory) -> None:
    nets = {n.id: n for n in city.networks}
    precedence = [
        s
        for s in city.systems
        if s.public_facing
        and s.networks
        and all(nets[n].kind is NetworkKind.PRIVATE_NETWORK for n in s.networks)
    ]
    assert precedence
    on_line = [s for s in city.systems if any(nets[n].kind is NetworkKind.INTERNET_LINE for n in s.networks)]
    assert on_line


def test_a_system_with_missing_survey_fields_still_loads(systems: dict[str, System]) -> None:
    s = systems["agri-coop-survey"]
    assert s.usage is None and s.approval is None and s.investment is None and s.mlps_level is None


def test_dependency_graph_has_chains_and_cycles_inside_and_across_departments(city: Inventory) -> None:
    g = dependency_graph(city)
    cycles = [c for c in nx.simple_cycles(g) if len(c) >= 2]
    assert any(len({g.nodes[n]["department"] for n in c}) == 1 for c in cycles)
    assert any(len({g.nodes[n]["department"] for n in c}) >= 2 for c in cycles)
    assert nx.has_path(g, "market-license-archive", "data-auth-center")
    assert nx.shortest_path_length(g, "market-license-archive", "data-auth-center") == 3


def test_cross_department_exchange_exists_with_and_without_the_sharing_platform(city: Inventory) -> None:
    dept = {s.id: s.department for s in city.systems}
    crossing = [s for s in city.systems if any(dept[d.system] != s.department for d in s.depends_on)]
    assert any(s.sharing.connected for s in crossing)
    assert any(not s.sharing.connected for s in crossing)


def test_affinity_group_spans_several_systems(city: Inventory) -> None:
    groups = Counter(s.affinity for s in city.systems if s.affinity)
    assert groups["fx-gis"] == 3


def test_rooms_are_small_and_big_shared_and_some_have_security_exceptions(city: Inventory) -> None:
    rooms = city.rooms
    assert any(r.area_m2 <= 20 for r in rooms) and any(r.area_m2 > 20 for r in rooms)
    assert all(r.monthly_cost > 0 for r in rooms)
    assert {r.exception for r in rooms} >= {"保密要求", "建筑布局"}
    assert max(Counter(r.department for r in rooms).values()) >= 2
    assert max(Counter(r.building for r in rooms).values()) >= 3


def test_networks_of_every_kind_with_fees_and_contracts(city: Inventory) -> None:
    kinds = Counter(n.kind for n in city.networks)
    assert all(kinds[k] >= 1 for k in NetworkKind)
    for n in city.networks:
        if n.kind is NetworkKind.INTERNET_LINE:
            assert n.carrier and n.bandwidth_mbps and n.monthly_fee > 0 and n.contract_end and n.department
    assert [
        n.department for n in city.networks if n.kind in (NetworkKind.EXTRANET, NetworkKind.INTRANET)
    ] == [None, None]


def test_assets_have_models_values_and_serve_known_systems(city: Inventory) -> None:
    kinds = Counter(a.kind.value for a in city.assets)
    assert all(
        kinds[k] >= 1 for k in ("server", "storage", "network", "security", "ups", "cooling", "software")
    )
    assert any(a.model == "浪潮 NF5280M5" for a in city.assets)
    assert all(a.book_value > 0 and a.purchased for a in city.assets)


def test_hosts_are_private_addresses_on_port_22(city: Inventory) -> None:
    hosts = [h for s in city.systems for h in s.hosts]
    assert len(hosts) >= 20
    assert all(h.address.startswith("10.") and h.port == 22 and h.data_dirs for h in hosts)
    addresses = [h.address for h in hosts]
    assert len(addresses) == len(set(addresses))


def test_platforms_and_cloud_domains_fit_the_city(city: Inventory) -> None:
    assert {p.id for p in city.platforms} >= {"city-portal", "city-oa", "city-12345", "city-exchange"}
    doms = city.cloud.domains
    assert doms.public_service.mlps_level == doms.administrative_service.mlps_level == 3
    demand = sum(s.resources.vcpu for s in city.systems if s.resources)
    assert doms.public_service.vcpu + doms.administrative_service.vcpu >= demand


def test_committed_yaml_is_what_the_builder_writes(tmp_path: Path) -> None:
    build = importlib.import_module("inventory.sample._build_sample")
    records, specials = build.build()
    build.write(Inventory.model_validate(records), specials, tmp_path)
    for name in (
        "city.yaml",
        "departments.yaml",
        "rooms.yaml",
        "networks.yaml",
        "systems.yaml",
        "assets.yaml",
        "README.md",
    ):
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), (
            f"{name} is stale: rerun the builder"
        )
