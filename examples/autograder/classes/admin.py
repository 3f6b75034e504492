from django.contrib import admin

from .models import Class, Enrollment


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    raw_id_fields = ["student"]


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "join_code", "archived", "created_at")
    list_filter = ("archived",)
    search_fields = ("name", "join_code", "owner__username")
    inlines = [EnrollmentInline]
