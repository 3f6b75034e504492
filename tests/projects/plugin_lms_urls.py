"""
The URLconf of an LMS that was not edited for this library: like edx-platform's ``lms/urls.py``, it only appends
the URL patterns that the Open edX plugin framework collects from installed apps' ``plugin_app``.
"""

from edx_django_utils.plugins import get_plugin_url_patterns

urlpatterns = []
urlpatterns.extend(get_plugin_url_patterns("lms.djangoapp"))  # edx-platform's ProjectType.LMS
