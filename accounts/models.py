from django.contrib.auth.models import AbstractUser
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
