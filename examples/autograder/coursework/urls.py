from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("submissions/submissions", views.SubmissionViewSet, basename="submission")

urlpatterns = [
    path("code/run/", views.CodeRunView.as_view(), name="code-run"),
    path("grading/grading/run-autograder/", views.RunAutograderView.as_view(), name="run-autograder"),
    path("grading/submissions/<int:pk>/grade/", views.GradeView.as_view(), name="grade"),
    path("grading/submissions/<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
    *router.urls,
]
