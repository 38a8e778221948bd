"""The generator's catalogue: data read once from ``catalogue.yaml`` (shipped as package data).

Department kinds (:class:`DeptTemplate`), the departmental copies of city platforms, LAN-only
and classified systems, equipment models, approving authorities and place names. The order of
every list is part of the data: the generator draws from them with a seeded random generator,
so the same seed gives the same inventory only for the same catalogue.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class DeptTemplate:
    """A kind of department (委办局) with its units, core business and typical systems."""

    key: str  # short id stem: czj, gaj, ...
    name: str  # name without the region prefix: 财政局
    core: str  # function tag of the core business; the main system carries it (BIGSYS-1)
    main: str  # name of the main ("big") system
    units: tuple[str, ...]
    systems: tuple[tuple[str, str], ...]  # (function tag, system name) of ordinary business systems
    programme: str | None = None  # golden programme the department takes part in (SCOPE-3)
    programme_systems: tuple[str, ...] = ()
    private: str | None = None  # name of the department's business private network, if any
    shares: tuple[tuple[str, bool], ...] = ()  # (data resource, basic information resource?)
    public: bool = False  # the department serves the public directly (window services)


@functools.cache
def _data() -> dict[str, Any]:
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{CATALOGUE_PATH}: expected a mapping of lists"
    return data


def _strings(key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in _data()[key])


def _rows(key: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(x) for x in row) for row in _data()[key])


def _pairs(key: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in _data()[key])


def _template(rec: dict[str, Any]) -> DeptTemplate:
    return DeptTemplate(
        key=str(rec["key"]),
        name=str(rec["name"]),
        core=str(rec["core"]),
        main=str(rec["main"]),
        units=tuple(str(u) for u in rec["units"]),
        systems=tuple((str(fn), str(name)) for fn, name in rec["systems"]),
        programme=rec.get("programme"),
        programme_systems=tuple(str(s) for s in rec.get("programme_systems", ())),
        private=rec.get("private"),
        shares=tuple((str(n), bool(basic)) for n, basic in rec.get("shares", ())),
        public=bool(rec.get("public", False)),
    )


CATALOGUE: tuple[DeptTemplate, ...] = tuple(_template(r) for r in _data()["departments"])
CATALOGUE_BY_KEY: dict[str, DeptTemplate] = {t.key: t for t in CATALOGUE}
COUNTY_KEYS: tuple[str, ...] = _strings("county_keys")
GENERIC_SYSTEMS: tuple[tuple[str, str], ...] = _pairs("generic_systems")
PLATFORM_SYSTEMS: tuple[tuple[str, str, str], ...] = tuple((a, b, c) for a, b, c in _rows("platform_systems"))
LAN_SYSTEMS: tuple[tuple[str, str], ...] = _pairs("lan_systems")
CLASSIFIED_SYSTEMS: tuple[tuple[str, str], ...] = _pairs("classified_systems")
PLATFORMS: tuple[dict[str, str], ...] = tuple(
    {"id": str(p["id"]), "kind": str(p["kind"]), "name": str(p["name"])} for p in _data()["platforms"]
)
PROGRAMME_SLUGS: dict[str, str] = {str(k): str(v) for k, v in _data()["programme_slugs"].items()}
CARRIERS = _strings("carriers")
SERVER_MODELS = _strings("server_models")
STORAGE_MODELS = _strings("storage_models")
NETWORK_MODELS = _strings("network_models")
SECURITY_MODELS = _strings("security_models")
UPS_MODELS = _strings("ups_models")
COOLING_MODELS = _strings("cooling_models")
SOFTWARE_MODELS = _strings("software_models")
OS_NAMES = _strings("os_names")
APPROVERS_CITY = _strings("approvers_city")
APPROVERS_COUNTY = _strings("approvers_county")
LEGAL_BASIS = _strings("legal_basis")
PROVINCE_CITIES = _strings("province_cities")
COUNTY_STEMS = _strings("county_stems")


def programme_slug(programme: str) -> str:
    """The ASCII stem of a golden programme's network and system IDs."""
    return PROGRAMME_SLUGS.get(programme, "golden")


def default_platforms() -> list[dict[str, Any]]:
    """The city-wide platforms PLATFORM-1 integrates into (and the sharing platform of SHARE-4)."""
    return [dict(p) for p in PLATFORMS]
