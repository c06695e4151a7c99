"""A district code is lower-case letters, digits, - and _: what the API's district fields accept.

A validator only (no database change); the codes already stored are the lower-case ones of 0002.
"""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_i17_city'),
    ]

    operations = [
        migrations.AlterField(
            model_name='district',
            name='code',
            field=models.SlugField(help_text='小写字母，写入记录后请勿修改', max_length=20, validators=[django.core.validators.RegexValidator('^[-a-z0-9_]+$')], verbose_name='代码'),
        ),
    ]
