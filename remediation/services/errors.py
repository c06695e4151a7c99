class RemediationError(Exception):
    """A request the rules refuse; `.message` is the Chinese text shown to the user (HTTP 400/403)."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status
