"""Admin for the network's frame, for staff."""

from django.contrib import admin

from coalition.models import Coalition, NetworkRole


@admin.register(Coalition)
class CoalitionAdmin(admin.ModelAdmin):
    list_display = ["name", "cause", "updated_at"]


@admin.register(NetworkRole)
class NetworkRoleAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "granted_at", "granted_by"]
    list_filter = ["role"]
    search_fields = ["person__email", "person__name"]
    raw_id_fields = ["person", "granted_by"]
