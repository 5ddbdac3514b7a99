"""URLs of django-momo: include them under one prefix, e.g. ``path("momo/", include(...))``."""

from django.urls import path  # noqa: F401

app_name = "django_momo"

urlpatterns: list = []
