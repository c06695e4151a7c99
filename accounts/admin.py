from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "licence_number", "licence_valid_until", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "licence_number"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "organization", "is_staff", "is_active"]
    list_filter = ["groups", "organization__kind", "is_staff", "is_active"]
    list_select_related = ["organization"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("组织"), {"fields": ("organization", "phone")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("组织"), {"fields": ("organization", "phone")}),)
