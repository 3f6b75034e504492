"""
The reference grader: a client process that pulls submissions from an XQueue-compatible server
(this library's ``xqueue/`` endpoints, or legacy xqueue), grades them with a plugin inside a sandbox,
and posts the results. It needs no Django: ``python -m submissions.external_grader.grader --help``.
"""
