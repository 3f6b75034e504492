"""
Brute-force protection for the grader login, which never locks the right secret out (issue 14).

Failed logins are counted in the Django cache in fixed windows of ``LOGIN_RATE_WINDOW`` seconds, per
username, per client address, and per pair of the two. A login is refused with HTTP 429, without checking
the password, while:

* its (username, address) pair reached ``LOGIN_RATE_LIMIT`` failures: this client itself keeps guessing;
* or its username, or its address, reached the limit, **unless** this username logged in successfully from
  this address before (a *known* pair, remembered for ``KNOWN_PAIR_SECONDS``).

So guessing is bounded per address and, across any number of new addresses, per username; and whoever
knows only a grader's username (not its secret) cannot stop the watchers that already log in from their
hosts: their pairs are known, and their own failure counts stay at zero. What remains refused during an
attack on a username is a *first* login from a new address (a new grader host) until the window ends, and
any client sharing the attacker's address and username (behind one NAT): documented in
``docs/graders.rst``. Successful logins are never limited (many connections share one account).

Why 429: xqueue-watcher treats any status other than 200 on login as "not logged in" and retries after
``LOGIN_POLL_INTERVAL`` (5 s). 429 is not one of the statuses (301, 302, 401, 403) that make it log in again
*immediately* from inside another request, so a refused watcher backs off at its normal pace. The client
address is ``REMOTE_ADDR``; hosts behind a proxy must set it correctly (e.g. with a trusted-proxy
middleware) or every client shares the proxy's counter.

Keys hold a hash of the username and address, never the raw values.
"""

import hashlib

from django.core.cache import caches

from submissions.conf import app_settings

__all__ = ["LoginRateLimiter", "KNOWN_PAIR_SECONDS"]

_PREFIX = "submissions:xqueue-login"

#: How long a (username, address) pair that logged in stays known (renewed by each successful login).
KNOWN_PAIR_SECONDS = 30 * 24 * 3600


class LoginRateLimiter:
    """Counts failed logins of one request's (username, address) and says whether to refuse it."""

    def __init__(self, username, address, cache_alias="default"):
        self.cache = caches[cache_alias]
        username, address = username or "", address or ""
        self.user_key = self._key("user", username)
        self.address_key = self._key("addr", address)
        self.pair_key = self._key("pair", f"{username}\x00{address}")
        self.known_key = self._key("known", f"{username}\x00{address}")
        self._counts = None  # what is_blocked() read

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
        """Whether to refuse this login without checking its password (see the module docstring)."""
        if not self.limit:
            return False
        keys = (self.pair_key, self.user_key, self.address_key, self.known_key)
        counts = self._counts = self.cache.get_many(keys)
        if counts.get(self.pair_key, 0) >= self.limit:
            return True
        shared_limit_reached = any(counts.get(key, 0) >= self.limit for key in (self.user_key, self.address_key))
        return shared_limit_reached and not counts.get(self.known_key)

    def record_failure(self):
        if not self.limit:
            return
        for key in (self.user_key, self.address_key, self.pair_key):
            # add() starts the window only if no counter exists; incr() never extends it.
            self.cache.add(key, 0, timeout=self.window)
            try:
                self.cache.incr(key)
            except ValueError:  # expired between add() and incr()
                self.cache.set(key, 1, timeout=self.window)

    def record_success(self):
        """This pair knows the secret: it is known from now on, and its own failures are forgotten."""
        if not self.limit:
            return
        counts = self._counts if self._counts is not None else self.cache.get_many((self.pair_key, self.known_key))
        if not counts.get(self.known_key):
            self.cache.set(self.known_key, 1, timeout=KNOWN_PAIR_SECONDS)
        if counts.get(self.pair_key):
            self.cache.delete(self.pair_key)
