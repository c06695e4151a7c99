"""Login lock-out (django-axes) for logins that arrive over HTTP."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a login while its username/IP pair is locked out.

    Axes insists on a request; logins without one (management commands, the
    test client's login()) have no client to lock out, so they pass through to
    the next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
