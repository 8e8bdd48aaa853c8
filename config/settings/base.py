"""Settings shared by every environment. Anything that differs between machines
comes from the environment (DATABASE_URL, CELERY_BROKER_URL, DJANGO_*).
Importing settings creates nothing on disk: folders are made where they are used
(the broker's in config/celery.py, STATIC_ROOT by collectstatic, media on save)."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Local state (SQLite, broker folders, media) lives here unless the environment
# moves it.
VAR_DIR = Path(env.str("FONDAS_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "allauth",
    "allauth.account",
    "core",
    "clusters",
    "grants",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ApiBodySizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the signed-in user's saved language counts.
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-allauth: the sign-up and e-mail confirmation stages.
    "allauth.account.middleware.AccountMiddleware",
    # Last, so that it turns a lock-out flagged by the authentication backend
    # into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.access",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'fondas.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker share one SQLite file: wait for the writer instead
    # of failing with "database is locked", and let readers run beside it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
# The admin site's URL prefix; an installation may move it off the guessable "admin/".
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/").strip("/") + "/"

AUTHENTICATION_BACKENDS = [
    # First: refuses any login, even with the right password, while the account
    # or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signing in with the e-mail address as well as the username (ACCOUNT_LOGIN_METHODS).
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Accounts (django-allauth, docs/operations.md): people sign up with their e-mail
# address, confirm it through a link sent by e-mail before they can sign in, and
# reset a forgotten password by e-mail. Fondas's own login view (/accounts/login/,
# with the axes lock-out) stays the only login page; allauth's pages around it are
# sign-up, confirmation and password reset. A new account is an applicant without
# an organisation and lands on "create or join an organisation".
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]  # the username is derived from the address
ACCOUNT_FORMS = {
    "signup": "clusters.forms.FondasSignupForm",
    "reset_password_from_key": "clusters.forms.FondasResetPasswordKeyForm",
}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False  # a link opened by a mail scanner confirms nothing
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_REDIRECT_URL = "clusters:organisation-start"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Fondas: "
# Signing up with an address already registered says the same as a new one
# (an e-mail tells the owner), so the form does not reveal who has an account.
ACCOUNT_PREVENT_ENUMERATION = True

# Attachments of applications (PDF, DOCX, XLSX): the largest file accepted, in bytes.
FONDAS_ATTACHMENT_MAX_BYTES = env.int("FONDAS_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lithuanian first, English second. The language of a request is chosen by
# core.middleware.LanguageMiddleware (docs/architecture.md, "Languages").
LANGUAGE_CODE = "lt"
LANGUAGES = [("lt", "Lietuvių"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language (config/formats/<lang>/formats.py): ISO in Lithuanian.
# Amounts are formatted by core.formatting, not by Django's number localisation.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Vilnius"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The number of reverse proxies in front of Fondas that append to X-Forwarded-For;
# 0 means the address of the connection is the client's. The login lock-out and
# the API throttles count per client address.
FONDAS_TRUSTED_PROXIES = env.int("FONDAS_TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.authentication.LanguageTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Guessing or scraping through the API is slowed down per address (anonymous)
    # and per user; a throttled client gets 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("FONDAS_API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("FONDAS_API_THROTTLE_USER", default="1200/minute"),
    },
    "NUM_PROXIES": FONDAS_TRUSTED_PROXIES,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fondas API",
    "DESCRIPTION": "Grant management for public funding programmes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc are served from this machine, so the docs work offline
    # and on an intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Accessibility (issue 11): with deep linking, Swagger UI puts a link inside each
    # operation's button (nested interactive controls, which axe-core refuses); its
    # syntax colours are below 4.5:1 on the dark code background.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": False},
    # One name per status enum, shared by every endpoint that uses it.
    "ENUM_NAME_OVERRIDES": {
        "CallStatusEnum": "grants.models.CallStatus",
        "ApplicationStatusEnum": "grants.models.ApplicationStatus",
        "AssignmentStatusEnum": "grants.models.AssignmentStatus",
        "AttachmentKindEnum": "grants.models.AttachmentKind",
        "ReportJobStatusEnum": "reports.models.ReportJobStatus",
        "ReportKindEnum": "reports.kinds.kind_choices",
        "ClaimStatusEnum": "grants.models.ClaimStatus",
        "ClaimKindEnum": "grants.models.ClaimKind",
        "IneligibilityReasonEnum": "grants.models.IneligibilityReason",
        "AmendmentStatusEnum": "grants.models.AmendmentStatus",
        "AmendmentKindEnum": "grants.models.AmendmentKind",
        "ProjectStatusEnum": "grants.models.ProjectStatus",
    },
}

# Password guessing (django-axes): after FONDAS_LOGIN_FAILURE_LIMIT wrong passwords
# for one account, or from one address, further logins of that account or from
# that address are refused, even with the right password, for the cool-off time.
AXES_FAILURE_LIMIT = env.int("FONDAS_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("FONDAS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"

# Celery. The embedded default is kombu's filesystem transport under var/, a
# broker that needs no server; production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are created when the Celery app is configured (config/celery.py).
    # kombu polls the folder for new messages once a second by default, which a
    # small report paid as a second of queue wait; 0.1 s costs a few stat calls.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": env.float("FONDAS_BROKER_POLLING_INTERVAL", default=0.1),
        "data_folder_in": str(CELERY_BROKER_DIR / "in"),
        "data_folder_out": str(CELERY_BROKER_DIR / "in"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # A message that is not acknowledged within visibility_timeout is delivered
    # again. Report renders are capped at CELERY_TASK_TIME_LIMIT, so one hour
    # leaves a margin above the longest legitimate run without a second copy of
    # a slow render; the report sweeper re-sends stuck jobs well before that.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=900)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=840)
# A worker child that grows past this (KiB) is replaced after its task.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1_500_000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # axes logs failed logins and lock-outs as warnings, each success as info.
    "loggers": {"fontTools": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}

# E-mail: the console locally (messages appear in the run command's output);
# production sets EMAIL_URL (config/settings/production.py).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Fondas <noreply@localhost>")
