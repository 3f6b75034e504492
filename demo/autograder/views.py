"""The demo's one page: the sample submissions and their grades."""

from django.shortcuts import render

from .outcomes import rows


def results(request):
    return render(request, "autograder/results.html", {"rows": rows()})
