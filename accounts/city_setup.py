"""Setting up a city from a fixture (manage.py load_city): the city, its association, hotline, default gas,
regulator and districts, written in one transaction and audited.

Fixture (JSON): {"name", "association_name", "hotline", "gas_category", "regulator": name or null,
"current": bool, "districts": [{"code", "name", "name_en"?}, ...]}. Loading again updates in place: a city is
found by name, a district by code. A district missing from the fixture is kept, never deleted, because rows
recorded under its code must keep their meaning; a code is never renamed (add a new district instead).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit

from .models import City, District, Organization

CITY_FIELDS = ("association_name", "hotline", "gas_category")


def _districts(data: dict) -> list[dict]:
    rows = data.get("districts")
    if not isinstance(rows, list) or not rows:
        raise ValidationError(_("城市至少需要一个行政区（districts）。"))
    seen = set()
    for row in rows:
        if not isinstance(row, dict) or not row.get("code") or not row.get("name"):
            raise ValidationError(_("每个行政区都需要 code 和 name。"))
        if row["code"] in seen:
            raise ValidationError(_("行政区代码重复：%(code)s") % {"code": row["code"]})
        seen.add(row["code"])
    return rows


def _regulator(name: str | None) -> Organization | None:
    if not name:
        return None
    regulator, _created = Organization.objects.get_or_create(name=name, defaults={"kind": Organization.Kind.REGULATOR})
    if regulator.kind != Organization.Kind.REGULATOR:
        raise ValidationError(_("“%(name)s”已存在，但不是行业主管部门。") % {"name": name})
    return regulator


def load_city(*, data: dict, actor=None) -> City:
    """Create or update the city described by `data`; with "current": true it becomes the current city."""
    if not isinstance(data, dict) or not data.get("name"):
        raise ValidationError(_("城市需要名称（name）。"))
    districts = _districts(data)
    with transaction.atomic():
        # One current city at a time: the lock makes two loads of "current" cities take turns.
        list(City.objects.select_for_update().filter(is_current=True))
        city = City.objects.select_for_update().filter(name=data["name"]).first() or City(name=data["name"])
        created = city.pk is None
        for field in CITY_FIELDS:
            if field in data:
                setattr(city, field, data[field] or "")
        if "regulator" in data:
            city.regulator = _regulator(data["regulator"])
        make_current = bool(data.get("current"))
        if make_current:
            _stop_others(city)
            city.is_current = True
        city.full_clean()
        city.save()
        existing = {d.code: d for d in city.districts.all()}
        for order, row in enumerate(districts):
            district = existing.get(row["code"]) or District(city=city, code=row["code"])
            district.name = row["name"]
            district.name_en = row.get("name_en", "")
            district.order = row.get("order", order)
            district.full_clean()
            district.save()
        detail = _("%(n)d 个行政区") % {"n": len(districts)} + (_("，设为当前城市") if make_current else "")
        audit.record(action="city.created" if created else "city.updated", obj=city, actor=actor, detail=detail)
    return city


def _stop_others(city: City) -> None:
    # Called under the lock on the current city; update() sends no signal, the caller's save drops the cache.
    City.objects.filter(is_current=True).exclude(pk=city.pk).update(is_current=False)


def make_current(*, city_id: int, origin=None) -> City:
    """Make an existing city the current one (the admin's action): one current city, switched under a lock."""
    with transaction.atomic():
        list(City.objects.select_for_update().filter(is_current=True))
        city = City.objects.select_for_update().get(pk=city_id)
        if city.is_current:
            return city
        _stop_others(city)
        city.is_current = True
        city.save(update_fields=["is_current"])
        audit.record(action="city.made_current", obj=city, origin=origin)
    return city
