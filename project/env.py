"""Read configuration from environment variables with safe defaults.

Kept apart from settings.py so the parsing rules can be tested without
reloading Django settings.
"""

import secrets
from pathlib import Path

import dj_database_url

from cases.constants import GAS_CATEGORY_CODES  # a plain list: safe to read while settings load

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration variable holds a value we cannot use."""


def env_bool(environ, name, default=False):
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")


def env_list(environ, name, default):
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(environ, name, default):
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None


def database_config(environ, base_dir: Path):
    """DATABASE_URL, or a SQLite file under var/ when it is not set."""
    url = environ.get("DATABASE_URL") or f"sqlite:///{base_dir / 'var' / 'db.sqlite3'}"
    try:
        # Persistent connections, checked before reuse: a PostgreSQL restart or a killed backend costs a reconnect,
        # not a 500 (tests/test_fault_processes.py).
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL is not usable: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite serialises writers; wait for the lock instead of failing at once
        # (web, worker and beat share the file under `make run`).
        config.setdefault("OPTIONS", {})["timeout"] = 20
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # The app's queries are short and grouped; JIT compilation costs them 30-150 ms each
        # (measured by bench/stats.py on 10 M labels) and never pays back.
        options = config.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    return config


def broker_url(environ, base_dir: Path):
    """CELERY_BROKER_URL, or kombu's filesystem transport that needs no server."""
    return environ.get("CELERY_BROKER_URL") or "filesystem://"


def filesystem_broker_options(base_dir: Path):
    folder = base_dir / "var" / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        # kombu would otherwise write its exchange table to ./control in the working directory.
        "control_folder": str(folder / "control"),
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
    }


def secret_key(environ, key_file: Path):
    """SECRET_KEY, or one generated once into an untracked file."""
    if environ.get("SECRET_KEY"):
        return environ["SECRET_KEY"]
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def gas_category(environ, name="CITY_GAS_CATEGORY", default="12T"):
    value = (environ.get(name) or default).strip().upper()
    if value not in GAS_CATEGORY_CODES:
        raise ConfigError(f"{name}={value!r} is not a GB/T 13611 category ({', '.join(GAS_CATEGORY_CODES)})")
    return value


SMS_BACKENDS = {
    "console": "remediation.sms.ConsoleBackend",
    "aliyun": "remediation.sms_aliyun.AliyunBackend",
    "tencent": "remediation.sms_tencent.TencentBackend",
}


def sms_backend(environ, name="SMS_BACKEND"):
    """A provider's short name or a dotted path; console when unset."""
    value = environ.get(name, "").strip() or "console"
    return SMS_BACKENDS.get(value, value)


def env_mapping(environ, name):
    """'a=1,b=2' → {'a': '1', 'b': '2'}."""
    pairs = {}
    for item in environ.get(name, "").split(","):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"{name}: expected name=value pairs separated by commas, got {item!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def default_storage(environ):
    """Django's "default" storage: MEDIA_ROOT on this machine, or an S3-compatible bucket.

    AWS_STORAGE_BUCKET_NAME switches to S3 (django-storages); AWS_S3_ENDPOINT_URL points it at another
    S3-compatible service (MinIO, Alibaba OSS, Tencent COS, Ceph). Credentials come from AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY, or the machine's role when those are unset. Files stay private: no public ACL,
    downloads go through the app's checked views.
    """
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "default_acl": None,  # the bucket's own (private) policy
        "file_overwrite": False,  # never replace a stored document under the same name
        "querystring_auth": True,
        "location": environ.get("AWS_LOCATION", "").strip("/"),
    }
    for option, name in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
    ):
        if environ.get(name):
            options[option] = environ[name]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
