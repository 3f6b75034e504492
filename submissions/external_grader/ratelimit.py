"""
Brute-force protection for the grader login.

Failed logins are counted in the Django cache, per username and per client address, in fixed
windows of ``LOGIN_RATE_WINDOW`` seconds. Once either count reaches ``LOGIN_RATE_LIMIT``, further
login attempts for that username or from that address are refused with HTTP 429 (without checking
the password) until the window ends. Successful logins do not count, so many watcher connections
sharing one account never lock it; a success clears the username's counter.

Why 429: xqueue-watcher treats any status other than 200 on login as "not logged in" and retries
after ``LOGIN_POLL_INTERVAL`` (5 s). 429 is not one of the statuses (301, 302, 401, 403) that make it
log in again *immediately* from inside another request, so a locked-out watcher backs off at its
normal pace. The client address is ``REMOTE_ADDR``; hosts behind a proxy must set it correctly
(e.g. with a trusted-proxy middleware) or every client shares the proxy's counter.

Keys hold a hash of the username, never the raw value.
"""

import hashlib

from django.core.cache import caches

from submissions.conf import app_settings

__all__ = ["LoginRateLimiter"]

_PREFIX = "submissions:xqueue-login"


class LoginRateLimiter:
    """Counts failed logins for one (username, address) pair of a request."""

    def __init__(self, username, address, cache_alias="default"):
        self.cache = caches[cache_alias]
        self.keys = [self._key("user", username or ""), self._key("addr", address or "")]

    @staticmethod
    def _key(kind, value):
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{_PREFIX}:{kind}:{digest}"

    @property
    def limit(self):
        return app_settings.LOGIN_RATE_LIMIT

    @property
    def window(self):
        return app_settings.LOGIN_RATE_WINDOW

    def is_blocked(self):
        """True if the username or the address used up its failed attempts in this window."""
        if not self.limit:
            return False
        counts = self.cache.get_many(self.keys)
        return any(count >= self.limit for count in counts.values())

    def record_failure(self):
        for key in self.keys:
            # add() starts the window only if no counter exists; incr() never extends it.
            self.cache.add(key, 0, timeout=self.window)
            try:
                self.cache.incr(key)
            except ValueError:  # expired between add() and incr()
                self.cache.set(key, 1, timeout=self.window)

    def record_success(self):
        self.cache.delete(self.keys[0])
