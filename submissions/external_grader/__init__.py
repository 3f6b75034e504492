"""External grading: the grader queue, submission files and the XQueue-compatible interface."""
