"""URLs of the callback benchmark: django-momo's callbacks and a view that only answers 200."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request: HttpRequest, token: str = "") -> HttpResponse:
    """The baseline: what answering costs with no work at all."""
    return HttpResponse(status=200)


urlpatterns = [
    path("bare/<str:token>/", bare),
    path("momo/", include("django_momo.urls")),
]
