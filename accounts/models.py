from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("燃气行业协会")
        MANUFACTURER = "manufacturer", _("燃具企业")
        DEALER = "dealer", _("销售代理商")
        INSTALLER = "installer", _("安装维修企业")
        GAS_SUPPLIER = "gas_supplier", _("供气单位")
        REGULATOR = "regulator", _("行业主管部门")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    licence_number = models.CharField(_("资质/许可证号"), max_length=64, blank=True)
    licence_valid_from = models.DateField(_("资质有效期起"), null=True, blank=True)
    licence_valid_until = models.DateField(_("资质有效期至"), null=True, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def qualification_valid_on(self, day=None):
        """Whether the organisation's licence/qualification covers `day` (today by default)."""
        day = day or timezone.localdate()
        if not self.is_active:
            return False
        if self.licence_valid_from and day < self.licence_valid_from:
            return False
        if self.licence_valid_until and day > self.licence_valid_until:
            return False
        return True


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")


class City(models.Model):
    """The city a GasLabel deployment serves: its association, hotline, piped gas and regulator are data.

    Exactly one city is current (the one pages, labels, SMS and statistics speak for); a second city is set
    up in the admin or with `manage.py load_city <fixture.json>`, without changing code.
    """

    name = models.CharField(_("城市"), max_length=50, unique=True)
    association_name = models.CharField(_("协会名称"), max_length=200)
    hotline = models.CharField(_("协会热线"), max_length=32, blank=True)
    # accounts sits below cases (which holds GAS_CATEGORIES), so the GB/T 13611 codes are a pattern here.
    gas_category = models.CharField(
        _("默认供气气源"),
        max_length=4,
        default="12T",
        help_text=_("GB/T 13611，如 12T；未划入供气区域的地址按此气源"),
        validators=[RegexValidator(r"^(10T|12T|19Y|20Y|22Y|[3-7]R)$", _("请填写 GB/T 13611 气源代号，如 12T。"))],
    )
    regulator = models.ForeignKey(
        Organization,
        verbose_name=_("行业主管部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="regulated_cities",
        limit_choices_to={"kind": Organization.Kind.REGULATOR},
    )
    is_current = models.BooleanField(_("当前城市"), default=False)

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")
        ordering = ["-is_current", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True), name="one_current_city")
        ]

    def __str__(self):
        return self.name


# What a district code may be: the API's district fields (api/fields.DistrictField) take exactly this, so a code
# the admin or a city fixture let in with a capital ("Xinqu") could never be sent by the phones.
validate_district_code = RegexValidator(r"^[-a-z0-9_]+$")


class District(models.Model):
    """A district of a city. Records keep the district's code (a short slug), so codes never change meaning."""

    city = models.ForeignKey(City, verbose_name=_("城市"), on_delete=models.CASCADE, related_name="districts")
    code = models.SlugField(
        _("代码"), max_length=20, validators=[validate_district_code], help_text=_("小写字母，写入记录后请勿修改")
    )
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("行政区")
        verbose_name_plural = _("行政区")
        ordering = ["city", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="one_district_code_per_city")]

    def __str__(self):
        return self.name
