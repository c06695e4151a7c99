"""A realistic demo city for `manage.py seed_demo`: idempotent, safe to run again.

The demo lives in its own top room because it touches every app (organisations, models, permits,
labels through the review flow); no domain app depends on it.
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts import city, roles
from accounts.models import City, Organization, User
from cases.models import ApplianceModel
from field.models import SupplyArea

from .labels import seed_demo_labels
from .permits import seed_field_demo

DEMO_PASSWORD = "gaslabel-demo-2026"

ORGANIZATIONS = [
    # key, name, kind, licence
    ("association", "深圳市燃气行业协会", Organization.Kind.ASSOCIATION, "SZGA-0001"),
    ("huayan", "深圳华焰燃具有限公司", Organization.Kind.MANUFACTURER, "GDRJ-2021-0107"),
    ("antai", "广东安泰厨卫电器有限公司", Organization.Kind.MANUFACTURER, "GDRJ-2019-0342"),
    ("futian_dealer", "深圳福田燃具销售有限公司", Organization.Kind.DEALER, "SZXS-0451"),
    ("nanshan_dealer", "深圳南山家电商行", Organization.Kind.DEALER, "SZXS-0622"),
    ("anju", "深圳安居燃气具安装维修有限公司", Organization.Kind.INSTALLER, "SZAZ-B-0088"),
    ("lianxin", "深圳联信燃气设备服务有限公司", Organization.Kind.INSTALLER, "SZAZ-B-0131"),
    ("gas_supplier", "深圳示例燃气供应有限公司", Organization.Kind.GAS_SUPPLIER, "SZGQ-0001"),
    ("lpg_supplier", "大鹏示例液化气供应站", Organization.Kind.GAS_SUPPLIER, "SZGQ-0002"),
    ("regulator", "深圳市住房和建设局 (示例)", Organization.Kind.REGULATOR, ""),
]

# district, street ('' = the whole district), gas category, supplier key
SUPPLY_AREAS = [("dapeng", "", "20Y", "lpg_supplier")]

# username, full name, organisation key, role, staff
USERS = [
    ("reviewer", "王审核", "association", roles.REVIEWER, True),
    ("maker", "李申报", "huayan", roles.MANUFACTURER, False),
    ("maker2", "周申报", "antai", roles.MANUFACTURER, False),
    ("dealer", "陈销售", "futian_dealer", roles.DEALER, False),
    ("dealer2", "吴销售", "nanshan_dealer", roles.DEALER, False),
    ("installer", "张师傅", "anju", roles.INSTALLER, False),
    ("installer2", "刘师傅", "lianxin", roles.INSTALLER, False),
    ("igniter", "赵点火", "gas_supplier", roles.IGNITION_WORKER, False),
    ("regulator", "孙科长", "regulator", roles.REGULATOR, False),
]

# manufacturer key, brand, model, category, gas, kW, CCC, GTIN, installers, dealers
MODELS = [
    (
        "huayan",
        "华焰",
        "JZT-2H10",
        "cooktop",
        "12T",
        "4.20",
        "2021010309123456",
        "6901234567892",
        ["anju"],
        ["futian_dealer"],
    ),
    (
        "huayan",
        "华焰",
        "JSQ25-13H1",
        "water_heater",
        "12T",
        "25.00",
        "2021010310234567",
        "",
        ["anju", "lianxin"],
        ["futian_dealer", "nanshan_dealer"],
    ),
    ("antai", "安泰", "JZY-A20", "cooktop", "20Y", "4.00", "2019010309345678", "", ["lianxin"], ["nanshan_dealer"]),
    ("antai", "安泰", "L1PB20-AT", "boiler", "12T", "20.00", "2019010311456789", "", ["lianxin"], ["nanshan_dealer"]),
]

# Which app models each role may manage in the admin.
ROLE_ADMIN_MODELS = {
    roles.REVIEWER: [
        "accounts.organization",
        "accounts.user",
        "cases.appliancemodel",
        "cases.declaration",
        "cases.labelbatch",
        "cases.label",
        "cases.labeltransition",
        "cases.labelbatchtransition",
    ],
}


@transaction.atomic
def seed_demo():
    """Create (or bring back to its demo values) the demo city; returns the demo logins."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    for role, model_labels in ROLE_ADMIN_MODELS.items():
        perms = []
        for label in model_labels:
            app_label, model = label.split(".")
            perms += Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        groups[role].permissions.set(perms)

    orgs = {}
    for key, name, kind, licence in ORGANIZATIONS:
        orgs[key], _ = Organization.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "licence_number": licence,
                "licence_valid_from": date(2024, 1, 1) if licence else None,
                "licence_valid_until": date(2028, 12, 31) if licence else None,
                "is_active": True,
            },
        )

    # The city is data (accounts.City, seeded by migration): the demo names its regulator there, the
    # organisation whose members hear escalations.
    City.objects.filter(is_current=True).update(regulator=orgs["regulator"])
    city.forget()  # update() sends no signal

    # Shenzhen pipes 12T (the city's default gas); one LPG area shows the gas rule following the installation address.
    for district, street, gas, supplier in SUPPLY_AREAS:
        SupplyArea.objects.update_or_create(
            district=district, street=street, defaults={"gas_category": gas, "supplier": orgs[supplier]}
        )

    logins = []
    for username, full_name, org_key, role, staff in USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": full_name,
                "last_name": "",
                "organization": orgs[org_key],
                "is_staff": staff,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set([groups[role]])
        logins.append((username, roles.ROLE_LABELS[role], orgs[org_key].name))

    admin, _ = User.objects.update_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "organization": orgs["association"]}
    )
    admin.set_password(DEMO_PASSWORD)
    admin.save(update_fields=["password"])
    logins.append(("admin", "超级管理员", orgs["association"].name))

    for maker, brand, number, category, gas, kw, ccc, gtin, installers, dealers in MODELS:
        model, _ = ApplianceModel.objects.update_or_create(
            manufacturer=orgs[maker],
            brand=brand,
            model_number=number,
            defaults={
                "category": category,
                "gas_category": gas,
                "rated_heat_input_kw": Decimal(kw),
                "ccc_certificate_number": ccc,
                "gtin": gtin,
            },
        )
        model.designated_installers.set([orgs[k] for k in installers])
        model.dealers.set([orgs[k] for k in dealers])

    seed_field_demo()  # work permits with known numbers for the demo workers
    seed_demo_labels()  # activated, issued label batches through the review flow
    return logins
