"""The errors every integration raises, so callers never see a vendor exception.

IntegrationError
 ├── Unavailable   the system did not answer in time, refused, throttled or failed (5xx): try later
 ├── Forbidden     the system answered but our credentials may not do this: fix permissions
 └── NotFound      the object asked for does not exist: fix the name
Each carries `system` (e.g. "kubernetes", "prometheus", "aws") and a short message that is safe to
show in chat: no tokens, no URLs with credentials, no stack traces.
"""


class IntegrationError(Exception):
    def __init__(self, system: str, message: str):
        super().__init__(f"{system}: {message}")
        self.system = system
        self.message = message


class Unavailable(IntegrationError):
    """Temporary: timeout, connection refused, throttling, server error."""


class Forbidden(IntegrationError):
    """Permanent until someone changes permissions."""


class NotFound(IntegrationError):
    """Permanent until someone fixes the name."""
