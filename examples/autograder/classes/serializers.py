from rest_framework import serializers

from users.serializers import UserSerializer

from .models import Class, Enrollment


class ClassSerializer(serializers.ModelSerializer):
    owner = UserSerializer(read_only=True)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

    class Meta:
        model = Class
        fields = ["id", "name", "description", "join_code", "owner", "archived", "created_at"]
        read_only_fields = ["id", "join_code", "owner", "archived", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and request.user != instance.owner:
            data.pop("join_code")  # only the owner hands the code out
        return data


class JoinSerializer(serializers.Serializer):
    join_code = serializers.CharField(max_length=32)


class EnrollmentSerializer(serializers.ModelSerializer):
    class_id = serializers.IntegerField(source="klass_id", read_only=True)
    student = UserSerializer(read_only=True)

    class Meta:
        model = Enrollment
        fields = ["class_id", "student", "joined_at"]
