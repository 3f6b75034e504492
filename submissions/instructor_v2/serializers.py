"""
Response (and request) shapes of the instructor API, named after the spec's schemas (§3). Views render
service results through them, and drf-spectacular builds the OpenAPI components from them.
"""

from rest_framework import serializers

__all__ = [
    "ErrorSerializer",
    "LearnerSerializer",
    "ProblemSerializer",
    "GradingConfigSerializer",
    "SyncOperationResultSerializer",
    "AsyncOperationResultSerializer",
    "TaskStatusSerializer",
    "LearnerRequestSerializer",
    "RescoreRequestSerializer",
    "OverrideScoreRequestSerializer",
]


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Machine code, e.g. INVALID_PARAMETER.")
    message = serializers.CharField(help_text="Human-readable text.")
    status_code = serializers.IntegerField()
    field_errors = serializers.DictField(child=serializers.CharField(), required=False)
    task_id = serializers.CharField(required=False, help_text="TASK_ALREADY_RUNNING: the running task.")
    status_url = serializers.URLField(required=False, help_text="TASK_ALREADY_RUNNING: its status URL.")

    class Meta:
        ref_name = "Error"


class LearnerSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    full_name = serializers.CharField(allow_blank=True)
    progress_url = serializers.URLField(allow_null=True, required=False)
    is_enrolled = serializers.BooleanField(required=False)

    class Meta:
        ref_name = "Learner"


class BreadcrumbSerializer(serializers.Serializer):
    display_name = serializers.CharField(allow_blank=True)
    usage_key = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "Breadcrumb"


class CurrentScoreSerializer(serializers.Serializer):
    score = serializers.FloatField()
    total = serializers.FloatField()

    class Meta:
        ref_name = "CurrentScore"


class AttemptsSerializer(serializers.Serializer):
    current = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(allow_null=True, help_text="null: unlimited")

    class Meta:
        ref_name = "Attempts"


class ProblemSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Usage key")
    name = serializers.CharField(allow_blank=True)
    breadcrumbs = BreadcrumbSerializer(many=True)
    current_score = CurrentScoreSerializer(allow_null=True, required=False)
    attempts = AttemptsSerializer(allow_null=True, required=False)

    class Meta:
        ref_name = "Problem"


class GraderSerializer(serializers.Serializer):
    type = serializers.CharField()
    short_label = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    min_count = serializers.IntegerField(min_value=0)
    drop_count = serializers.IntegerField(min_value=0)
    weight = serializers.FloatField(min_value=0, max_value=1)

    class Meta:
        ref_name = "Grader"


class GradingConfigSerializer(serializers.Serializer):
    graders = GraderSerializer(many=True)
    grade_cutoffs = serializers.DictField(child=serializers.FloatField(min_value=0, max_value=1))

    class Meta:
        ref_name = "GradingConfig"


class SyncOperationResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    learner = serializers.CharField(required=False, help_text="Username")
    problem_location = serializers.CharField(required=False)
    message = serializers.CharField(required=False)
    score = serializers.FloatField(required=False, help_text="Override only: the new score in points.")
    previous_score = serializers.FloatField(
        required=False, allow_null=True, help_text="Override only: the score before, or null."
    )

    class Meta:
        ref_name = "SyncOperationResult"


class ScopeSerializer(serializers.Serializer):
    learners = serializers.CharField(help_text='"all"')
    problem_location = serializers.CharField()
    problems = serializers.CharField(help_text="The same usage key (the name the spec declares).")

    class Meta:
        ref_name = "TaskScope"


class AsyncOperationResultSerializer(serializers.Serializer):
    task_id = serializers.UUIDField()
    status_url = serializers.URLField(help_text="Absolute URL of getTaskStatus for this task.")
    scope = ScopeSerializer()

    class Meta:
        ref_name = "AsyncOperationResult"


class ProgressSerializer(serializers.Serializer):
    current = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)

    class Meta:
        ref_name = "TaskProgress"


class TaskResultSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()
    succeeded = serializers.IntegerField(min_value=0, required=False)
    skipped = serializers.IntegerField(min_value=0, required=False)
    failed = serializers.IntegerField(min_value=0, required=False)

    class Meta:
        ref_name = "TaskResult"


class TaskErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()

    class Meta:
        ref_name = "TaskError"


class TaskStatusSerializer(serializers.Serializer):
    task_id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=["pending", "running", "completed", "failed"])
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    progress = ProgressSerializer()
    result = TaskResultSerializer(required=False)
    error = TaskErrorSerializer(required=False)

    class Meta:
        ref_name = "TaskStatus"


# -- request bodies (every field may also come from the query string) --


class LearnerRequestSerializer(serializers.Serializer):
    learner = serializers.CharField(required=False, help_text="Username or email; omit for all learners.")

    class Meta:
        ref_name = "LearnerRequest"


class RescoreRequestSerializer(LearnerRequestSerializer):
    only_if_higher = serializers.CharField(required=False, help_text="true/false, 1/0, yes/no (default false).")

    class Meta:
        ref_name = "RescoreRequest"


class OverrideScoreRequestSerializer(serializers.Serializer):
    learner = serializers.CharField(required=False, help_text="Username or email (required, query or body).")
    score = serializers.FloatField(required=False, min_value=0, help_text="Points, 0..the problem's maximum.")
    new_score = serializers.FloatField(required=False, min_value=0, help_text="Alias of score.")
    reason = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        ref_name = "OverrideScoreRequest"
