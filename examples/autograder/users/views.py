"""Register, log in (JWT access + refresh), refresh, and the signed-in user."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from autograder.api import ok

from .serializers import LoginSerializer, RegisterSerializer, UserSerializer


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                user = serializer.save()
        except IntegrityError as exc:  # the same username registered concurrently
            raise serializers.ValidationError({"username": ["A user with that username already exists."]}) from exc
        return ok(UserSerializer(user).data, "Registered.", status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    serializer_class = LoginSerializer
    authentication_classes = []


class RefreshView(TokenRefreshView):
    authentication_classes = []


class MeView(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return ok(UserSerializer(request.user).data)
