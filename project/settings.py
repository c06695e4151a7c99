"""GasLabel settings: everything deployment-specific comes from the environment."""

import os
from pathlib import Path

from project import env

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ

SECRET_KEY = env.secret_key(ENV, BASE_DIR / "var" / "secret_key")
DEBUG = env.env_bool(ENV, "DEBUG", False)
ALLOWED_HOSTS = env.env_list(ENV, "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.env_list(ENV, "CSRF_TRUSTED_ORIGINS", [])

# What printed QR codes point at; no trailing slash. A loopback address is warned about (ops/checks.py).
PUBLIC_BASE_URL = ENV.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The gas the city pipes (GB/T 13611); appliances must match it to be ignited.
CITY_GAS_CATEGORY = env.gas_category(ENV)
# How many reverse proxies of ours sit in front of the app (client IP for rate limits and scan logs).
TRUSTED_PROXY_HOPS = env.env_int(ENV, "TRUSTED_PROXY_HOPS", 0)
ASSOCIATION_NAME = ENV.get("ASSOCIATION_NAME", "深圳市燃气行业协会")
# The association's hotline, offered as a tap-to-call button when a scanned label is not genuine.
ASSOCIATION_HOTLINE = ENV.get("ASSOCIATION_HOTLINE", "")
# Labels of every model with a GTIN carry a GS1 Digital Link ({PUBLIC_BASE_URL}/01/{gtin}/21/{serial})
# instead of /q/{serial}; off by default, and a model can turn it on alone (ApplianceModel.digital_link).
GS1_DIGITAL_LINK = env.env_bool(ENV, "GS1_DIGITAL_LINK", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_fsm",
    "viewflow",
    "viewflow.workflow",
    "core",  # shared plumbing (hooks, retention); no models
    "accounts",
    "cases",
    "workflows",
    "field",
    "remediation",
    "api",
    "stats",
    "audit",
    "demo",  # the demo city (`manage.py seed_demo`); touches every app, so it sits on top
    "axes",
    "health_check",
    "ops",
]

MIDDLEWARE = [
    "project.middleware.RefuseHostileRequestsMiddleware",  # first: control characters never reach a view
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "remediation.context_processors.unread",
            ],
        },
    },
    {  # the hot path's few templates (core/jinja.py says why); no context processors: each view passes what it shows
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "core.jinja.environment"},
    },
]

DATABASES = {"default": env.database_config(ENV, BASE_DIR)}
(BASE_DIR / "var").mkdir(exist_ok=True)
# Django's own request guards (a 400/413 before any view; JSON under /api/, core.errors): a form or JSON body
# over 2.5 MB, more than 1000 fields. Uploaded files are streamed to disk and limited by DOCUMENT_MAX_BYTES instead.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.env_int(ENV, "DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.env_int(ENV, "DATA_UPLOAD_MAX_NUMBER_FIELDS", 1000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": ENV["CACHE_URL"]}
        if ENV.get("CACHE_URL", "").startswith("redis")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "accounts.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username/IP pair out for 15 minutes after 5 failed logins (web and API token login).
AXES_FAILURE_LIMIT = env.env_int(ENV, "AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client address behind our proxies (TRUSTED_PROXY_HOPS), not the proxy's: one rule for the whole app.
AXES_CLIENT_IP_CALLABLE = "core.client.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The header's language choice sticks (README): without an age Django's cookie lasted only the browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = ENV.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Declaration documents (and print files): MEDIA_ROOT, or an S3-compatible bucket when
    # AWS_STORAGE_BUCKET_NAME is set, so web and workers on different machines read the same files.
    "default": env.default_storage(ENV),
    # Compressed but not hashed: viewflow's bundled CSS references font files it does not ship,
    # which the manifest storage refuses at collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Declaration documents (PDF/JPEG/PNG), checked by their bytes.
DOCUMENT_MAX_BYTES = env.env_int(ENV, "DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# Largest image (pixels) decoded on upload: a phone photo of a nameplate is 12–50 MP; a bigger one is refused.
DOCUMENT_MAX_PIXELS = env.env_int(ENV, "DOCUMENT_MAX_PIXELS", 50_000_000)
# Printed labels: rectangles on A4 sheets (millimetres); columns/rows fit the sheet unless set.
LABEL_WIDTH_MM = env.env_int(ENV, "LABEL_WIDTH_MM", 60)
LABEL_HEIGHT_MM = env.env_int(ENV, "LABEL_HEIGHT_MM", 40)
LABEL_GAP_MM = env.env_int(ENV, "LABEL_GAP_MM", 2)
LABEL_SHEET_MARGIN_MM = env.env_int(ENV, "LABEL_SHEET_MARGIN_MM", 8)
LABEL_COLUMNS = env.env_int(ENV, "LABEL_COLUMNS", 0)
LABEL_ROWS = env.env_int(ENV, "LABEL_ROWS", 0)
# Labels generated per INSERT when a batch is approved.
LABEL_CHUNK_SIZE = env.env_int(ENV, "LABEL_CHUNK_SIZE", 2000)
# Processes encoding QR codes for big batch PDFs (segno picks the best mask per code: CPU-bound).
LABEL_PDF_WORKERS = env.env_int(ENV, "LABEL_PDF_WORKERS", min(4, os.cpu_count() or 1))

# E-mail: the console unless EMAIL_HOST names an SMTP server (or EMAIL_BACKEND says otherwise).
EMAIL_HOST = ENV.get("EMAIL_HOST", "localhost")
EMAIL_BACKEND = ENV.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if ENV.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env.env_int(ENV, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.env_bool(ENV, "EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env.env_bool(ENV, "EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_TIMEOUT = env.env_int(ENV, "EMAIL_TIMEOUT", 20)  # seconds; a hung server must not outlast the task's limit
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "noreply@gaslabel.local")
SERVER_EMAIL = ENV.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Celery: a broker that needs no server by default (kombu filesystem transport).
CELERY_BROKER_URL = env.broker_url(ENV, BASE_DIR)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = env.filesystem_broker_options(BASE_DIR)
CELERY_TASK_ALWAYS_EAGER = env.env_bool(ENV, "CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queues (a contract for every app): `celery` default, `sweep` periodic sweeps, `notify` e-mail/SMS,
# `print` label generation and print files. Tasks not listed go to `celery`. This table is the one place:
# Celery 6 drops the `queue=` task attribute (5.x warns), so a task's queue belongs here.
# Every worker command (Procfile, README, tests that start workers) names the queues it consumes.
CELERY_QUEUE_NAMES = ("celery", "sweep", "notify", "print")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "remediation.tasks.sweep_deadlines": {"queue": "sweep"},
    "cases.tasks.resume_stalled_batches": {"queue": "sweep"},
    "core.tasks.purge_personal_data": {"queue": "sweep"},
    "api.tasks.purge_idempotency_keys": {"queue": "sweep"},
    "field.tasks.purge_old_scans": {"queue": "sweep"},
    "field.tasks.sweep_frequent_scans": {"queue": "sweep"},
    "field.tasks.warn_expiring_permits": {"queue": "sweep"},
    "stats.tasks.compact_label_counts": {"queue": "sweep"},
    "remediation.tasks.deliver_notifications": {"queue": "notify"},
    "cases.tasks.generate_batch_labels": {"queue": "print"},
    "cases.tasks.run_print_job": {"queue": "print"},
    "cases.tasks.resume_stalled_print_jobs": {"queue": "sweep"},
}
# Every task has a time limit: soft (the task can clean up) then hard (the worker process is replaced).
# Long jobs (label generation, reports) set their own on the decorator. Enforced by the prefork pool.
CELERY_TASK_SOFT_TIME_LIMIT = env.env_int(ENV, "CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env.env_int(ENV, "CELERY_TASK_TIME_LIMIT", 360)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Periodic tasks (one entry per sweep; the tasks live in each app's tasks.py).
CELERY_BEAT_SCHEDULE = {}
# Remediation deadlines: one sweep a minute (SLA_SWEEP_SECONDS shortens it for the integration test).
SLA_SWEEP_SECONDS = env.env_int(ENV, "SLA_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE["remediation-sla-sweep"] = {
    "task": "remediation.tasks.sweep_deadlines",
    "schedule": float(SLA_SWEEP_SECONDS),
}
# Health: beat sends a heartbeat to every queue this often; /health/ fails a queue (or the sweep) silent
# for 3 periods.
HEALTH_HEARTBEAT_SECONDS = env.env_int(ENV, "HEALTH_HEARTBEAT_SECONDS", 60)
for _queue in CELERY_QUEUE_NAMES:
    CELERY_BEAT_SCHEDULE[f"ops-heartbeat-{_queue}"] = {
        "task": "ops.tasks.queue_heartbeat",
        "schedule": float(HEALTH_HEARTBEAT_SECONDS),
        "args": (_queue,),
        "options": {"queue": _queue, "expires": float(HEALTH_HEARTBEAT_SECONDS)},
    }
# Deadlines claimed per sweep transaction; the pause between batches exists for the worker-kill fault test only.
SLA_SWEEP_BATCH_SIZE = env.env_int(ENV, "SLA_SWEEP_BATCH_SIZE", 500)
SLA_SWEEP_BATCH_PAUSE_MS = env.env_int(ENV, "SLA_SWEEP_BATCH_PAUSE_MS", 0)
# Statistics: reports to the regulator. Daily at 08:00 local time: a new weekly report on Mondays, a monthly one
# on the 1st, and any report missed while beat was down (idempotent per period).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["stats-periodic-reports"] = {
    "task": "stats.tasks.generate_due_reports",
    "schedule": crontab(minute=0, hour=8),
}
# Suspected clones (field/services/clones.py): workers' records of one label in two districts within this many hours;
# more than CLONE_SCAN_THRESHOLD scans of one label within CLONE_SCAN_WINDOW_HOURS (a sweep every CLONE_SWEEP_SECONDS).
CLONE_DISTRICT_WINDOW_HOURS = env.env_int(ENV, "CLONE_DISTRICT_WINDOW_HOURS", 72)
CLONE_SCAN_WINDOW_HOURS = env.env_int(ENV, "CLONE_SCAN_WINDOW_HOURS", 24)
CLONE_SCAN_THRESHOLD = env.env_int(ENV, "CLONE_SCAN_THRESHOLD", 40)
CLONE_SWEEP_SECONDS = env.env_int(ENV, "CLONE_SWEEP_SECONDS", 900)
CELERY_BEAT_SCHEDULE["field-clone-scan-sweep"] = {
    "task": "field.tasks.sweep_frequent_scans",
    "schedule": float(CLONE_SWEEP_SECONDS),
}
# Public scan/look-up rate limit per client address (django-ratelimit syntax); bench/load.py lifts it.
FIELD_SCAN_RATE = ENV.get("FIELD_SCAN_RATE", "60/m")
# Scan-log rows are batched per web process and written by its background thread (field/scan_log_buffer.py says
# what a killed process can lose): at this many rows or this age. 0 writes each row in its request (SQLite's default).
SCAN_LOG_BATCH = env.env_int(ENV, "SCAN_LOG_BATCH", 200 if DATABASES["default"]["ENGINE"].endswith("postgresql") else 0)
SCAN_LOG_FLUSH_SECONDS = env.env_int(ENV, "SCAN_LOG_FLUSH_SECONDS", 1)
# Anonymous writes (residents' bookings) per client address: a household books once or twice, not thirty times.
ANONYMOUS_WRITE_RATE = ENV.get("ANONYMOUS_WRITE_RATE", "10/h")
# Bookings: a resident's preferred date and the company's visit time lie between now and this many days ahead.
BOOKING_MAX_DAYS_AHEAD = env.env_int(ENV, "BOOKING_MAX_DAYS_AHEAD", 90)
# API tokens expire this many hours after they are issued (the app signs in again); DELETE /api/v1/auth/token/ revokes.
API_TOKEN_TTL_HOURS = env.env_int(ENV, "API_TOKEN_TTL_HOURS", 24 * 30)
# Idempotency-Key on API writes: how long a stored first response is replayed (hours).
IDEMPOTENCY_KEY_TTL_HOURS = env.env_int(ENV, "IDEMPOTENCY_KEY_TTL_HOURS", 24)
# Label batches whose generation task was lost (broker down at approval): queue it again.
# The label-count rollup appends delta rows (stats/label_counts_sql.py): fold them every few minutes.
CELERY_BEAT_SCHEDULE["stats-compact-label-counts"] = {
    "task": "stats.tasks.compact_label_counts",
    "schedule": float(env.env_int(ENV, "LABEL_COUNT_COMPACT_SECONDS", 300)),
}
CELERY_BEAT_SCHEDULE["cases-resume-stalled-batches"] = {
    "task": "cases.tasks.resume_stalled_batches",
    "schedule": 300.0,
}
# Print jobs (cases.services.print_jobs): a running job with no progress this long lost its worker and
# is queued again; a job queued this long means no worker consumes the `print` queue (the page says so).
PRINT_JOB_STALL_SECONDS = env.env_int(ENV, "PRINT_JOB_STALL_SECONDS", 60)
PRINT_WORKER_WAIT_SECONDS = env.env_int(ENV, "PRINT_WORKER_WAIT_SECONDS", 20)
CELERY_BEAT_SCHEDULE["cases-resume-stalled-print-jobs"] = {
    "task": "cases.tasks.resume_stalled_print_jobs",
    "schedule": float(env.env_int(ENV, "PRINT_JOB_SWEEP_SECONDS", 60)),
}
CELERY_BEAT_SCHEDULE["api-purge-idempotency-keys"] = {
    "task": "api.tasks.purge_idempotency_keys",
    "schedule": crontab(minute=30, hour=3),
}
# E-mail/SMS rows still unsent after this many seconds are queued again by the SLA sweep (broker outage).
NOTIFICATION_REQUEUE_SECONDS = env.env_int(ENV, "NOTIFICATION_REQUEUE_SECONDS", 300)
# Service hours for deadlines whose policy counts service time (admin: 时限设置), local time, working days only.
SERVICE_HOURS = ENV.get("SERVICE_HOURS", "09:00-18:00")
# SMS codes for residents: at most this many per phone number an hour (and one a minute); per client see
# PHONE_CODE_RATE (django-ratelimit syntax, default 10/h).
PHONE_CODES_PER_NUMBER_PER_HOUR = env.env_int(ENV, "PHONE_CODES_PER_NUMBER_PER_HOUR", 5)
PHONE_CODE_RATE = ENV.get("PHONE_CODE_RATE", "10/h")
# The dealer is warned this many minutes before each of its deadlines (by the SLA sweep).
DEADLINE_WARNING_MINUTES = env.env_int(ENV, "DEADLINE_WARNING_MINUTES", 30)
# Residents' phone numbers, addresses and free text are blanked this many days after they were recorded
# (core.retention, each app registering its part; open remediation cases keep theirs). Daily at 03:30.
PII_RETENTION_DAYS = env.env_int(ENV, "PII_RETENTION_DAYS", 730)
CELERY_BEAT_SCHEDULE["accounts-purge-personal-data"] = {
    "task": "core.tasks.purge_personal_data",
    "schedule": crontab(minute=30, hour=3),
}
# Scan log: routine scans (genuine, not yet activated) are deleted this many days after the scan; scans of
# unknown, malformed or void codes stay (counterfeit evidence, and all that statistics read). Daily at 04:00.
SCAN_LOG_RETENTION_DAYS = env.env_int(ENV, "SCAN_LOG_RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE["field-purge-old-scans"] = {
    "task": "field.tasks.purge_old_scans",
    "schedule": crontab(minute=0, hour=4),
}
# Companies hear 30 days ahead of a work permit's expiry (once per permit and date). Daily at 08:00.
CELERY_BEAT_SCHEDULE["field-warn-expiring-permits"] = {
    "task": "field.tasks.warn_expiring_permits",
    "schedule": crontab(minute=0, hour=8),
}
# SMS: "console" (default: prints), "aliyun" (Alibaba Cloud SMS), "tencent" (Tencent Cloud SMS) or a dotted
# path to a class with send(phone=, template=, params=, message_id=). Templates: remediation.sms.TEMPLATES.
SMS_BACKEND = env.sms_backend(ENV)
SMS_ACCESS_KEY_ID = ENV.get("SMS_ACCESS_KEY_ID", "")  # Alibaba AccessKey ID / Tencent SecretId
SMS_ACCESS_KEY_SECRET = ENV.get("SMS_ACCESS_KEY_SECRET", "")  # Alibaba AccessKey secret / Tencent SecretKey
SMS_SIGN_NAME = ENV.get("SMS_SIGN_NAME", "")  # the approved signature, e.g. 深圳市燃气协会
SMS_APP_ID = ENV.get("SMS_APP_ID", "")  # Tencent SmsSdkAppId
SMS_REGION = ENV.get("SMS_REGION", "ap-guangzhou")  # Tencent region
SMS_ENDPOINT = ENV.get("SMS_ENDPOINT", "")  # empty: the provider's public endpoint
SMS_PROTOCOL = ENV.get("SMS_PROTOCOL", "https")
SMS_TIMEOUT_SECONDS = env.env_int(ENV, "SMS_TIMEOUT_SECONDS", 10)
# Our template names → the ids the provider gave them on approval: "case_new=SMS_123,verify_code=SMS_456".
SMS_TEMPLATE_IDS = env.env_mapping(ENV, "SMS_TEMPLATE_IDS")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON refusing lone surrogates (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Every API error as {"code", "detail"} (+ "errors" per field).
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GasLabel API",
    "DESCRIPTION": "燃具码 mobile API: scans, sales, installation, ignition, remediation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request components of their own, so required strings carry minLength: 1 (the server refuses "").
    "COMPONENT_SPLIT_REQUEST": True,
    # The statuses every operation can answer (400 from the URL guard, 401, 404, 406, 413, 415): api/schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.document_common_errors"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per "kind" choice set (otherwise drf-spectacular warns in `check --deploy` and names them by hash).
    "ENUM_NAME_OVERRIDES": {
        "PermitKindEnum": "field.models.WorkPermit.Kind",
        "WorkKindEnum": "field.models.WorkRecord.Kind",
        "BookingKindEnum": "field.models.Booking.Kind",
        "ProblemKindEnum": "remediation.models.ProblemKind",
    },
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/semantic.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
}

# Content-Security-Policy (django-csp): our own scripts only, no inline script or handler anywhere, so an injected
# <script> or onclick does not run. Inline styles stay allowed (Swagger UI's page and a few style attributes);
# data:/blob: images for QR codes, Swagger's icons and the camera scanner. Exempt: declaration documents (PDF viewers).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    if PUBLIC_BASE_URL.startswith("https://"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        SESSION_COOKIE_SECURE = True
        CSRF_COOKIE_SECURE = True
        SECURE_SSL_REDIRECT = env.env_bool(ENV, "SECURE_SSL_REDIRECT", True)
        # Load balancers probe health over plain HTTP on the private network.
        SECURE_REDIRECT_EXEMPT = [r"^health/"]
        SECURE_HSTS_SECONDS = env.env_int(ENV, "SECURE_HSTS_SECONDS", 3600)
        # Every subdomain of the association's host is served over HTTPS only; preloading is a separate decision
        # (a submission to the browsers' list, after a long max-age), so its reminder is silenced.
        SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool(ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
