"""
The instructor grading API v2 (``docs/instructor_api.rst``): an optional Django app, label
``submissions_instructor``, that owns the table of bulk grading tasks.

Hosts add ``"submissions.instructor_v2"`` to ``INSTALLED_APPS`` and mount
``include("submissions.instructor_v2.urls")`` at ``api/instructor/v2/``. See ``docs/instructor_api.rst``.
"""
