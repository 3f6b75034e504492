"""``/api/classes/``: create (teacher), list (owned or enrolled), join (student), archive (owner)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from autograder.api import ok
from users.permissions import IsStudent, IsTeacher
from users.serializers import UserSerializer

from . import services
from .models import Class
from .serializers import ClassSerializer, EnrollmentSerializer, JoinSerializer


class ClassViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClassSerializer
    filterset_fields = ["archived"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Class.objects.none()
        return services.visible_classes(self.request.user).select_related("owner").distinct()

    def get_permissions(self):
        if self.action == "create":
            return [IsTeacher()]
        if self.action == "join":
            return [IsStudent()]
        return super().get_permissions()

    def _owned(self, pk):
        klass = get_object_or_404(Class, pk=pk)
        if klass.owner_id != self.request.user.pk:
            raise PermissionDenied("Only the class's owner can do this.")
        return klass

    @extend_schema(request=ClassSerializer, responses={201: ClassSerializer})
    def create(self, request):
        serializer = ClassSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        klass = services.create_class(request.user, **serializer.validated_data)
        return ok(ClassSerializer(klass, context={"request": request}).data, "Class created.", status.HTTP_201_CREATED)

    @extend_schema(request=JoinSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        klass = get_object_or_404(Class, pk=pk)
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrollment = services.join(klass, request.user, serializer.validated_data["join_code"])
        return ok(EnrollmentSerializer(enrollment).data, f"Joined {klass.name}.")

    @extend_schema(request=None, responses=ClassSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        klass = services.archive(self._owned(pk))
        return ok(ClassSerializer(klass, context={"request": request}).data, "Class archived.")

    @extend_schema(responses=UserSerializer(many=True))
    @action(detail=True, methods=["get"])
    def students(self, request, pk=None):
        """The roster (owner only)."""
        klass = self._owned(pk)
        students = klass.students.order_by("username")
        page = self.paginate_queryset(students)
        return self.get_paginated_response(UserSerializer(page, many=True).data)
