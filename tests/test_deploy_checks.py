"""Production settings (HTTPS base URL, long secret, DEBUG off, real hosts): `check --deploy` is clean and the
responses carry the security headers. Run in subprocesses: settings are read once per process."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "gaslabel.example.org"


def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECURE_"))}
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": HOST,
            "PUBLIC_BASE_URL": f"https://{HOST}",
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "MEDIA_ROOT": str(tmp_path),
        }
    )
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_no_issue(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output and "WARNINGS" not in output


HEADERS_SCRIPT = """
import json, django
django.setup()
from django.test import Client
plain = Client(HTTP_HOST="%(host)s").get("/accounts/login/")
secure = Client(HTTP_HOST="%(host)s").get("/accounts/login/", secure=True)
print(json.dumps({"redirect": [plain.status_code, plain.get("Location", "")],
                  "headers": dict(secure.headers), "cookies": {k: dict(v) for k, v in secure.cookies.items()}}))
""" % {"host": HOST}  # noqa: UP031  (a script template; braces in it are code)


def test_https_redirect_and_security_headers(tmp_path):
    result = run(["-c", HEADERS_SCRIPT], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["redirect"] == [301, f"https://{HOST}/accounts/login/"]
    headers = seen["headers"]
    assert (
        headers["Strict-Transport-Security"].startswith("max-age=")
        and "includeSubDomains" in headers["Strict-Transport-Security"]
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "object-src 'none'" in headers["Content-Security-Policy"]
    csrf = seen["cookies"]["csrftoken"]
    assert csrf["secure"] is True
