"""A model's rated heat input must be positive: the form and the admin took -1 and 0 kW.

A validator only (no database change); rows stored before keep their value.
"""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_i19_label_fillfactor_30'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appliancemodel',
            name='rated_heat_input_kw',
            field=models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='额定热负荷 (kW)'),
        ),
    ]
