"""Hooks: the one way a lower room calls into a higher one without importing it.

Domain apps (cases, remediation) must not import workflows/, yet a domain event
(labels generated) has to move a viewflow process on, and a domain service has to
start or advance its case's process. The domain declares a `Hook`; the higher room
answers it once, at app loading (workflows.apps.WorkflowsConfig.ready). Calling a
hook nobody answered is a configuration error, never a silent no-op.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """A named call whose implementation a higher room registers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._impl: Callable[..., Any] | None = None

    def answer(self, impl: Callable[..., Any]) -> Callable[..., Any]:
        """Register the implementation (usable as a decorator); a second, different one is a mistake."""
        if self._impl is not None and self._impl is not impl:
            raise ImproperlyConfigured(f"hook {self.name} is already answered by {self._impl!r}")
        self._impl = impl
        return impl

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._impl is None:
            raise ImproperlyConfigured(f"hook {self.name} has no implementation: is its app installed?")
        return self._impl(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"
