from django.db import migrations

DEFAULTS = [
    ("contact", "dealer", 2, "代理商联系用户"),
    ("resolve", "dealer", 24, "代理商完成补贴标识/退换货"),
    ("followup", "association", 48, "协会督办"),
]


def add_defaults(apps, schema_editor):
    DeadlinePolicy = apps.get_model("remediation", "DeadlinePolicy")
    for step, level, hours, note in DEFAULTS:
        DeadlinePolicy.objects.get_or_create(step=step, level=level, defaults={"hours": hours, "note": note})


class Migration(migrations.Migration):
    dependencies = [("remediation", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
