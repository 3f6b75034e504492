"""Admin of the external grader models (imported by ``submissions.admin``)."""
