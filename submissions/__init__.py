"""django-submissions: learner submissions, scores and external grading for Django."""

__version__ = "5.0.0.dev0"
