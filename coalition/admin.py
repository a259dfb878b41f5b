"""Admin for the network's frame, for staff."""

from django.contrib import admin

from coalition.models import (
    Caucus,
    Coalition,
    NetworkRole,
    OutboxMessage,
    Place,
    Principle,
    PrivacyPolicy,
    StatementVersion,
    WorkingGroup,
)


@admin.register(Coalition)
class CoalitionAdmin(admin.ModelAdmin):
    list_display = ["name", "cause", "updated_at"]


@admin.register(NetworkRole)
class NetworkRoleAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "granted_at", "granted_by"]
    list_filter = ["role"]
    search_fields = ["person__email", "person__name"]
    raw_id_fields = ["person", "granted_by"]

    # Roles are given and withdrawn on /network/people/ only, through role_grant and
    # role_revoke: a reason in the audit log, nobody giving a role to themselves, the
    # last steward kept. Here they can be read, never written.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "depth"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]

    def save_model(self, request, obj, form, change):
        # The path is derived from the tree; go through the services so it stays right.
        from coalition.services import place_create, place_move

        if change:
            obj.save(update_fields=["name", "kind", "latitude", "longitude"])
            if "parent" in form.changed_data:
                place_move(place=obj, parent=obj.parent)
        else:
            created = place_create(
                name=obj.name,
                kind=obj.kind,
                parent=obj.parent,
                latitude=obj.latitude,
                longitude=obj.longitude,
            )
            obj.pk = created.pk
            obj.path, obj.depth = created.path, created.depth


class PrincipleInline(admin.TabularInline):
    model = Principle
    extra = 1


@admin.register(StatementVersion)
class StatementVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "published_at"]
    inlines = [PrincipleInline]
    readonly_fields = ["published_at", "published_by"]


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["number", "published_at"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "lever"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Caucus)
class CaucusAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: staff see what waits or failed; the flush and the workers change rows."""

    list_display = ["id", "task", "status", "created_at", "attempts", "runs", "finished_at"]
    list_filter = ["status", "task"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
