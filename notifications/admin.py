from django.contrib import admin

from notifications.models import Digest, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "delivery", "read_at", "emailed_at"]
    list_filter = ["kind", "delivery"]
    raw_id_fields = ["recipient", "digest"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["period_start", "period", "person", "status", "count", "sent_at"]
    list_filter = ["period", "status"]
    raw_id_fields = ["person"]
