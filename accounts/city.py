"""The current city as the rest of GasLabel reads it: name, association, hotline, default gas, regulator and
districts (accounts.models.City / District, set up in the admin or with `manage.py load_city`).

Read on hot paths (the scan page, every form with a district), so the whole city is kept in the shared cache
(Redis in production, so every process sees a change at once) and dropped when a City, District or the
regulator's Organization row is saved or deleted. A database without a city row (one just flushed by a
transactional test) reads as the seed city built from the settings, so nothing breaks before set-up.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import translation

from .models import City, District, Organization

logger = logging.getLogger(__name__)

CACHE_KEY = "gaslabel:city:v1"

# The first city's districts: the data migration (accounts 0002) created them from this list, and a
# database with no city at all reads them. Names in Chinese, English for the English pages.
SEED_CITY_NAME = "深圳市"
SEED_DISTRICTS = [
    ("futian", "福田区", "Futian"),
    ("luohu", "罗湖区", "Luohu"),
    ("nanshan", "南山区", "Nanshan"),
    ("yantian", "盐田区", "Yantian"),
    ("baoan", "宝安区", "Bao'an"),
    ("longgang", "龙岗区", "Longgang"),
    ("longhua", "龙华区", "Longhua"),
    ("pingshan", "坪山区", "Pingshan"),
    ("guangming", "光明区", "Guangming"),
    ("dapeng", "大鹏新区", "Dapeng New District"),
]


@dataclass(frozen=True)
class DistrictInfo:
    code: str
    name: str
    name_en: str

    def __str__(self) -> str:
        if self.name_en and translation.get_language() == "en":
            return self.name_en
        return self.name


@dataclass(frozen=True)
class CityInfo:
    name: str
    association_name: str
    hotline: str
    gas_category: str
    regulator_id: int | None
    regulator_name: str
    districts: tuple[DistrictInfo, ...]

    @property
    def district_codes(self) -> frozenset[str]:
        return frozenset(d.code for d in self.districts)

    def district(self, code: str) -> DistrictInfo | None:
        return next((d for d in self.districts if d.code == code), None)


def _seed() -> CityInfo:
    return CityInfo(
        name=SEED_CITY_NAME,
        association_name=settings.ASSOCIATION_NAME,
        hotline=settings.ASSOCIATION_HOTLINE,
        gas_category=settings.CITY_GAS_CATEGORY,
        regulator_id=None,
        regulator_name="",
        districts=tuple(DistrictInfo(code, name, name_en) for code, name, name_en in SEED_DISTRICTS),
    )


def _load() -> CityInfo:
    """Two queries: the current city with its regulator, then its districts."""
    city = City.objects.select_related("regulator").filter(is_current=True).first()
    if city is None:
        return _seed()
    return CityInfo(
        name=city.name,
        association_name=city.association_name,
        hotline=city.hotline,
        gas_category=city.gas_category,
        regulator_id=city.regulator_id,
        regulator_name=city.regulator.name if city.regulator else "",
        districts=tuple(DistrictInfo(d.code, d.name, d.name_en) for d in city.districts.order_by("order", "code")),
    )


def current_city() -> CityInfo:
    """The current city (from the cache; two queries when the cache is cold or unreachable)."""
    try:
        info = cache.get(CACHE_KEY)
    except Exception:  # Redis down: the scan page must still answer, from the database (as core.ratelimit does)
        logger.warning("city cache unreachable; reading the city from the database", exc_info=True)
        return _load()
    if info is None:
        info = _load()
        _cache_call(cache.set, CACHE_KEY, info, None)
    return info


def _cache_call(method, *args) -> None:
    try:
        method(*args)
    except Exception:  # an unreachable cache must not fail the save that changed the city
        logger.warning("city cache unreachable", exc_info=True)


def districts() -> tuple[DistrictInfo, ...]:
    return current_city().districts


def district_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for forms and filters, in the city's order (names follow the active language)."""
    return [(d.code, str(d)) for d in districts()]


def district_name(code: str) -> str:
    """The district's name for a code; an unknown code (or blank) reads as itself."""
    found = current_city().district(code) if code else None
    return str(found) if found else code


def is_district(code: str) -> bool:
    return code in current_city().district_codes


def forget() -> None:
    """Drop the cached city now and again after the surrounding transaction commits (so a reader between the
    two cannot keep a copy from before the commit)."""
    _cache_call(cache.delete, CACHE_KEY)
    transaction.on_commit(lambda: _cache_call(cache.delete, CACHE_KEY))


@receiver(post_save, sender=City)
@receiver(post_delete, sender=City)
@receiver(post_save, sender=District)
@receiver(post_delete, sender=District)
def _city_changed(sender, **kwargs):
    forget()


@receiver(post_save, sender=Organization)
def _regulator_changed(sender, instance, **kwargs):
    if instance.kind == Organization.Kind.REGULATOR:  # the cached city carries its regulator's name
        forget()


class HasDistrict:
    """Mixin for a model with a `district` code: its name from the current city's districts.

    District codes are not model choices (a second city would need a migration); the method keeps the name
    Django gives a choices field's display, so templates read `{{ row.get_district_display }}` as before.
    """

    def get_district_display(self) -> str:
        return district_name(self.district)
