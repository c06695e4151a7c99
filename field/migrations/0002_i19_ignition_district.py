"""Ignition.district: where the appliance was installed, copied onto the ignition (issue 19).

The statistics found each ignition's district with a correlated subquery on the installation
records; the copy lets them group ignitions alone. Existing rows get the district of the
label's first installation (by time, then id), as the subquery read it.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE field_ignition SET district = COALESCE((
    SELECT w.district FROM field_workrecord w
    WHERE w.label_id = field_ignition.label_id AND w.kind = 'installation'
    ORDER BY w.at, w.id LIMIT 1), '')
"""


class Migration(migrations.Migration):

    dependencies = [
        ('field', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='ignition',
            name='district',
            field=models.CharField(blank=True, choices=[('futian', '福田区'), ('luohu', '罗湖区'), ('nanshan', '南山区'), ('yantian', '盐田区'), ('baoan', '宝安区'), ('longgang', '龙岗区'), ('longhua', '龙华区'), ('pingshan', '坪山区'), ('guangming', '光明区'), ('dapeng', '大鹏新区')], editable=False, max_length=20, verbose_name='区'),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
