"""Users, organisations and groups in the admin.

Only a superuser grants power: is_superuser, is_staff, groups and permissions are read-only to everyone
else, a superuser account can be changed (password included) only by a superuser, and groups (which
carry permissions) are edited by superusers only. Every change goes to the audit log (AuditedAdmin).
"""

import axes.admin  # registered before we replace its admins below (autodiscover imports apps in order)
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken import admin as token_admin
from rest_framework.authtoken.models import TokenProxy

from audit.admin import AuditedAdmin
from cases.services.labels import Origin

from . import city_setup
from .models import City, District, Organization, User

POWER_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "licence_number", "licence_valid_until", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "licence_number"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "first_name", "organization", "is_staff", "is_active"]
    list_filter = ["groups", "organization__kind", "is_staff", "is_active"]
    list_select_related = ["organization"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("组织"), {"fields": ("organization", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("组织"), {"fields": ("organization", "phone")}),)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in POWER_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        # Changing a superuser (its password, its e-mail for a reset) would be a way to become one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("delete_selected", None)  # a bulk delete checks no object, so it could take a superuser
        return actions


class SuperuserOnly:
    """Admin mixin: only a superuser adds, changes or deletes (viewing follows the usual permissions)."""

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    fields = ["order", "code", "name", "name_en"]


@admin.register(City)
class CityAdmin(SuperuserOnly, AuditedAdmin):
    """The city as data: association, hotline, default gas, regulator and districts (load_city imports one).

    A superuser's: the regulator named here is who hears escalations, and the districts are what records mean.
    """

    list_display = ["name", "association_name", "hotline", "gas_category", "regulator", "is_current"]
    list_select_related = ["regulator"]
    inlines = [DistrictInline]
    readonly_fields = ["is_current"]  # switched by the action below, which keeps exactly one current city
    actions = ["make_current"]

    @admin.action(description=_("设为当前城市"), permissions=["change"])
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个城市。"), level=messages.ERROR)
            return
        chosen = city_setup.make_current(city_id=queryset.get().pk, origin=Origin.from_request(request))
        self.message_user(request, _("当前城市：%(name)s") % {"name": chosen.name})


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnly, AuditedAdmin, BaseGroupAdmin):
    """A role's permissions are a superuser's to change."""


# An API token is a login: minting one for someone else would be a way to act as them.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(SuperuserOnly, AuditedAdmin, token_admin.TokenAdmin):
    pass


# Deleting a lock-out record unlocks a login: audited like any admin change.
for _model, _base in (
    (axes.admin.AccessAttempt, axes.admin.AccessAttemptAdmin),
    (axes.admin.AccessLog, axes.admin.AccessLogAdmin),
    (axes.admin.AccessFailureLog, axes.admin.AccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):  # AXES_ENABLE_ADMIN
        admin.site.unregister(_model)
        admin.site.register(_model, type(_base.__name__, (AuditedAdmin, _base), {"__module__": __name__}))
