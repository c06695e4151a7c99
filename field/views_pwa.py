"""The installable field app: web manifest, service worker (from the site root, so it controls /q/ and /field/),
the outbox page and the offline page shell the service worker falls back to.

The service worker's script is static/field/sw.js; this view serves it from /sw.js (a worker's scope cannot be
wider than its own folder) with a first line that tells it which URLs to precache and a version that changes
whenever one of them changes, so phones pick up new assets on their next visit.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions, roles

from .forms import IgniteForm, SellForm, WorkForm
from .models import WorkPermit, WorkRecord
from .selectors import permits_of

# Everything the app needs to open and scan with no signal.
SHELL_STATIC = [
    "css/app.css",
    "field/field.css",
    "field/scanner.js",
    "field/outbox.js",
    "field/app.js",
    "field/offline.js",
    "vendor/jsqr/jsQR.js",
    "field/icons/icon-192.png",
    "field/icons/icon-512.png",
]
SHELL_PAGES = ["field:scanner", "field:install-start", "field:repair-start", "field:ignite-start", "field:sell-start",
               "field:outbox", "field:offline"]  # fmt: skip
FIELD_ROLES = (roles.INSTALLER, roles.IGNITION_WORKER, roles.DEALER)


def uses_field_app(user) -> bool:
    """Field workers get the app (manifest, service worker) on the public scan page too; residents do not."""
    return permissions.holds_role(user, *FIELD_ROLES)


def _static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


@lru_cache(maxsize=1)
def _worker_script() -> tuple[str, str]:
    """(sw.js source, version): the version hashes the script and every precached static file."""
    digest = hashlib.sha256()
    source = (_static_dir() / "field" / "sw.js").read_text()
    digest.update(source.encode())
    for name in SHELL_STATIC:
        digest.update((_static_dir() / name).read_bytes())
    return source, digest.hexdigest()[:12]


def service_worker(request):
    source, version = _worker_script()
    config = {
        "version": version,
        "static": [static(name) for name in SHELL_STATIC],
        "pages": [reverse(name) for name in SHELL_PAGES],
        "offline": reverse("field:offline"),
    }
    response = HttpResponse(f"self.GL = {json.dumps(config)};\n{source}", content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on navigation; no-cache makes them ask us rather than an HTTP cache.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def manifest(request):
    icons = [
        {"src": static("field/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": static("field/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {
            "src": static("field/icons/icon-512-maskable.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    shortcuts = [
        {"name": "扫码登记安装", "url": reverse("field:install-start")},
        {"name": "扫码点火通气", "url": reverse("field:ignite-start")},
        {"name": "待发送记录", "url": reverse("field:outbox")},
    ]
    body = {
        "id": reverse("field:scanner"),
        "name": "燃具码 · 现场作业",
        "short_name": "燃具码",
        "description": "燃气具气源适配性标识：扫码查询、安装、维修、点火通气登记（无信号时可先保存）",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": reverse("field:scanner") + "?source=app",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f9",
        "theme_color": "#c2410c",
        "icons": icons,
        "shortcuts": shortcuts,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


def outbox_page(request):
    """What waits on this phone, what was accepted, what was refused and why (read from IndexedDB by outbox.js)."""
    return render(request, "field/outbox.html", {"title": _("待发送记录")})


def offline_page(request):
    """The shell the service worker shows for a field page it cannot fetch: the three job forms, none filled.

    Cached once and reused for any label, so it holds no label data; outbox.js fills in the code from the address.
    """
    user = request.user
    install = permits_of(user, WorkPermit.Kind.INSTALLATION).first() if user.is_authenticated else None
    ignition = permits_of(user, WorkPermit.Kind.IGNITION).first() if user.is_authenticated else None
    context = {
        "work_form": WorkForm(initial={"permit": install.number} if install else {}),
        "ignite_form": IgniteForm(initial={"permit": ignition.number} if ignition else {}),
        "sell_form": SellForm(),
        "kinds": {"install": WorkRecord.Kind.INSTALLATION, "repair": WorkRecord.Kind.REPAIR},
    }
    return render(request, "field/offline.html", context)
