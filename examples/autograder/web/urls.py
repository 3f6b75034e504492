from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .middleware import public

app_name = "web"
urlpatterns = [
    path(
        "login/",
        public(auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("classes/<int:pk>/", views.class_detail, name="class"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/results/", views.submission_results, name="submission-results"),
    path("notifications/", views.notifications, name="notifications"),
]
