"""The selection API under /api/v1/: calls, applications, evaluations, decisions (issue 8)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
