"""
Views of edx-submissions 4.x, kept importable for hosts that reference them.

The grader interface lives in :mod:`submissions.external_grader.views`; ``submissions.views.xqueue``
re-exports it. (4.x's unrouted developer page ``get_submissions_for_student_item`` is not kept.)
"""
