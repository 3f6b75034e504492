"""URLs of the XQueue-compatible grader interface: ``path("xqueue/", include("submissions.external_grader.urls"))``."""

app_name = "xqueue"

urlpatterns = []
