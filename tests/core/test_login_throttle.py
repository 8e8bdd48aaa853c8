"""Password guessing is stopped: after a few wrong passwords an account, and the
address they came from, are locked out for a while, even for the right password;
other people from other addresses still log in. The API throttles clients."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from core.middleware import client_ip
from core.models import Role
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "fondas-right-password"


@pytest.fixture
def people(db):
    users = {name: UserFactory(username=name, role=Role.OFFICER) for name in ("ruta", "jonas", "ona")}
    for user in users.values():
        user.set_password(PASSWORD)
        user.save()
    return users


def _log_in(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _guess(client, username, address, times=None):
    for _ in range(times or settings.AXES_FAILURE_LIMIT):
        response = _log_in(client, username, "wrong-password", address)
    return response


def test_the_right_password_logs_in(client, people):
    response = _log_in(client, "ruta", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert _logged_in(client)


def test_after_repeated_wrong_passwords_the_right_one_is_refused(client, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the wording checked below is English
    last = _guess(client, "ruta", "10.0.0.1")
    assert last.status_code == 429
    response = _log_in(client, "ruta", PASSWORD, "10.0.0.1")
    assert response.status_code == 429
    assert not _logged_in(client)
    page = response.content.decode()
    alert = re.search(r'<div role="alert">(.*?)</div>', page, re.S)
    assert alert, page
    assert f"after {settings.AXES_FAILURE_LIMIT} wrong passwords" in alert.group(1)
    minutes = int(settings.AXES_COOLOFF_TIME / timedelta(minutes=1))
    assert f"Try again in {minutes} minutes" in alert.group(1)


def test_fewer_failures_than_the_limit_do_not_lock(client, people):
    _guess(client, "ruta", "10.0.0.1", times=settings.AXES_FAILURE_LIMIT - 1)
    assert _log_in(client, "ruta", PASSWORD, "10.0.0.1").status_code == 302
    assert _logged_in(client)


def test_another_account_from_another_address_still_logs_in(client, people):
    _guess(client, "ruta", "10.0.0.1")
    response = _log_in(client, "jonas", PASSWORD, "10.0.0.2")
    assert response.status_code == 302
    assert _logged_in(client)


def test_the_locked_account_is_refused_from_any_address(client, people):
    _guess(client, "ruta", "10.0.0.1")
    assert _log_in(client, "ruta", PASSWORD, "10.0.0.9").status_code == 429
    assert not _logged_in(client)


def test_the_guessing_address_is_refused_for_any_account(client, people):
    for name in ("ruta", "jonas", "ona", "nobody", "admin"):
        _log_in(client, name, "wrong-password", "10.0.0.1")
    assert _log_in(client, "ona", PASSWORD, "10.0.0.1").status_code == 429
    assert not _logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, people, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=-1)  # every earlier failure has cooled off
    _guess(client, "ruta", "10.0.0.1")
    assert _log_in(client, "ruta", PASSWORD, "10.0.0.1").status_code == 302


def test_behind_trusted_proxies_the_client_address_counts(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.FONDAS_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.1.1.1"
    settings.FONDAS_TRUSTED_PROXIES = 1
    # The client cannot forge the address its proxy appended.
    assert client_ip(request) == "203.0.113.7"


@pytest.fixture
def strict_rates(monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})
    yield
    cache.clear()


def test_the_api_throttles_anonymous_clients_in_the_error_shape(db, strict_rates):
    api = APIClient()
    # The schema is the API's one page open to anonymous clients.
    statuses = [api.get("/api/schema/", REMOTE_ADDR="10.0.0.5").status_code for _ in range(3)]
    assert statuses == [200] * 3
    response = api.get("/api/schema/", REMOTE_ADDR="10.0.0.5")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert api.get("/api/schema/", REMOTE_ADDR="10.0.0.6").status_code == 200


def test_the_api_throttles_each_user_on_its_own(officer, auditor, strict_rates):
    api = APIClient()
    api.force_authenticate(officer)
    statuses = [api.get("/api/v1/reports/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    other = APIClient()
    other.force_authenticate(auditor)
    assert other.get("/api/v1/reports/").status_code == 200
