"""Pages of the officers in the selection of projects (issue 8)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
