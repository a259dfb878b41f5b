"""Admin for people, for staff."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from members.models import (
    Group,
    LadderLevel,
    Membership,
    OutreachMessage,
    Signature,
    Skill,
    StageChange,
    Suppression,
    Training,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["person"]
    extra = 0


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "place", "stage", "signed_version", "needs_resign"]
    list_filter = ["stage", "kind", "needs_resign"]
    search_fields = ["name", "contact_email"]
    raw_id_fields = ["place", "created_by"]
    readonly_fields = ["stage", "stage_changed_at", "signed_version", "needs_resign"]
    inlines = [MembershipInline]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["group", "version", "signed_by", "signed_at", "confirmed_at"]
    raw_id_fields = ["group", "signed_by"]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["group", "from_stage", "to_stage", "changed_by", "at"]
    raw_id_fields = ["group", "changed_by"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "at"]
    search_fields = ["email"]


@admin.register(OutreachMessage)
class OutreachMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "status", "created_by", "created_at", "sent_at"]
    readonly_fields = ["status", "sent_at"]


@admin.register(LadderLevel)
class LadderLevelAdmin(admin.ModelAdmin):
    list_display = ["rank", "name", "counts_as_leader"]


admin.site.register(Skill)
admin.site.register(Training)
