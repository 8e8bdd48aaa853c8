"""Production: everything that differs between installations comes from the
environment, and the settings refuse to start with a weak secret key, DEBUG on,
or a host list that accepts any host."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import MEDIA_ROOT, env

# Keys that ship in this repository (local and test settings) or that Django
# generates for development.
KNOWN_INSECURE_KEY_PREFIXES = ("fondas-", "django-insecure")
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10
# A random key repeats almost none of its three-character sequences; a short word
# repeated ("changeme" × 7) repeats nearly all of them.
MIN_SECRET_KEY_DISTINCT_TRIGRAM_SHARE = 0.75
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: str) -> str | None:
    """Why `key` is not fit for production, or None when it is."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"DJANGO_SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} characters."
    if key.startswith(KNOWN_INSECURE_KEY_PREFIXES):
        return "DJANGO_SECRET_KEY is a development key; set a random value generated for this installation."
    trigram_share = len({key[i : i + 3] for i in range(len(key) - 2)}) / (len(key) - 2)
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS or trigram_share < MIN_SECRET_KEY_DISTINCT_TRIGRAM_SHARE:
        return "DJANGO_SECRET_KEY is too predictable (it repeats characters or a pattern); set a random value."
    return None


def allowed_hosts_problem(hosts: list[str]) -> str | None:
    """Why `hosts` is not fit for production, or None when it is."""
    if not hosts:
        return "DJANGO_ALLOWED_HOSTS must list the host names Fondas answers to (e.g. fondas.example.lt)."
    if any("*" in host for host in hosts):
        return "DJANGO_ALLOWED_HOSTS must not contain '*': list the host names Fondas answers to."
    return None


SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(f"{problem} Generate one with: {GENERATE_KEY}")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
ALLOWED_HOSTS = [host.strip() for host in env.list("DJANGO_ALLOWED_HOSTS", default=[]) if host.strip()]
if problem := allowed_hosts_problem(ALLOWED_HOSTS):
    raise ImproperlyConfigured(problem)

FONDAS_DEMO_USERS = False

# Database connections are kept for CONN_MAX_AGE seconds and checked before reuse,
# so a restarted database costs one failed check, not a failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Stored files (report PDFs): a local folder (MEDIA_ROOT) by default, or an
# S3-compatible object store (FONDAS_STORAGE=s3) shared by every web server and worker.
FONDAS_STORAGE = env.str("FONDAS_STORAGE", default="local")
if FONDAS_STORAGE == "local":
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
elif FONDAS_STORAGE == "s3":
    if not env.str("AWS_STORAGE_BUCKET_NAME", default=""):
        raise ImproperlyConfigured("FONDAS_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            # None lets boto3 find credentials itself (instance role, ~/.aws).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "location": env.str("AWS_LOCATION", default=""),
            # Reports are private: no public ACL, links are signed and expire,
            # and a name is never overwritten (a report file is written once).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured(f"FONDAS_STORAGE must be 'local' or 's3', not {FONDAS_STORAGE!r}.")
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A shared Redis cache when one is configured (the API throttles count there, so
# the limits hold across web servers); otherwise each process has its own.
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or env.str("CACHE_URL", default="")
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "fondas",
        }
    }

# E-mail: EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.lt:587) or the
# EMAIL_HOST / EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD / EMAIL_USE_TLS variables.
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Fondas <noreply@{ALLOWED_HOSTS[0].lstrip('.')}>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The links in sign-up confirmation and password-reset e-mails (django-allauth).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
