"""A host process whose URLconf does not serve the grader URLs (a Studio-like service)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("home"), name="home")]
