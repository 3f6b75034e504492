"""
``/api/assignments/``: create (class owner), list and read (the owner; enrolled students once published),
publish and close (the owner).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action

from autograder.api import ok
from users.permissions import IsTeacher

from . import services
from .models import Assignment
from .serializers import AssignmentInSerializer, AssignmentSerializer


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer
    filterset_fields = {"klass": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Assignment.objects.none()
        return services.visible_assignments(self.request.user)

    def get_permissions(self):
        if self.action in ("create", "publish", "close"):
            return [IsTeacher()]
        return super().get_permissions()

    def filter_queryset(self, queryset):
        class_id = self.request.query_params.get("class_id")
        if class_id is not None:
            queryset = queryset.filter(klass_id=class_id if class_id.isdigit() else -1)
        return super().filter_queryset(queryset)

    @extend_schema(request=AssignmentInSerializer, responses={201: AssignmentSerializer})
    def create(self, request):
        serializer = AssignmentInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.create_assignment(request.user, serializer.validated_data)
        data = self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data
        return ok(data, "Assignment created as a draft.", status.HTTP_201_CREATED)

    def _act(self, pk, operation, message):
        assignment = get_object_or_404(Assignment.objects.select_related("klass"), pk=pk)
        services.require_owner(self.request.user, assignment.klass)
        operation(assignment)
        return ok(self.get_serializer(self.get_queryset().get(pk=pk)).data, message)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._act(pk, services.publish, "Assignment published.")

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(pk, services.close, "Assignment closed.")
