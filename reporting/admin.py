"""Admin for wins, climate signals, reports and their schedules, for staff."""

from django.contrib import admin

from reporting.models import ClimateSignal, Report, ReportSchedule, Win


@admin.register(Win)
class WinAdmin(admin.ModelAdmin):
    list_display = ["title", "won_on", "place", "level", "shifted_climate", "is_public"]
    list_filter = ["level", "shifted_climate", "is_public"]
    search_fields = ["title", "description"]
    date_hierarchy = "won_on"
    list_select_related = ["place"]
    # Raw ids: the network may hold thousands of actions.
    raw_id_fields = ["place", "actions", "recorded_by"]
    filter_horizontal = ["days_of_action"]


@admin.register(ClimateSignal)
class ClimateSignalAdmin(admin.ModelAdmin):
    list_display = ["source", "kind", "stance", "said_on", "place"]
    list_filter = ["kind", "stance"]
    search_fields = ["source", "summary"]
    date_hierarchy = "said_on"
    list_select_related = ["place"]
    raw_id_fields = ["place", "day_of_action", "recorded_by"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "period_start", "period_end", "place", "status", "progress", "created_at"]
    list_filter = ["status"]
    list_select_related = ["place"]
    raw_id_fields = ["requested_by", "schedule", "place"]
    readonly_fields = ["created_at", "finished_at", "emailed_at"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["id", "frequency", "place", "is_active", "next_run_on"]
    list_filter = ["frequency", "is_active"]
    list_select_related = ["place"]
    raw_id_fields = ["place", "recipients", "created_by"]
