from django.contrib import admin

from .models import Assignment, Question, TestCase


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    show_change_link = True


class TestCaseInline(admin.TabularInline):
    model = TestCase
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("title", "klass", "status", "due_at", "created_at")
    list_filter = ("status",)
    readonly_fields = ("status", "published_at", "closed_at")
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("title", "assignment", "language", "points")
    list_filter = ("language",)
    inlines = [TestCaseInline]
