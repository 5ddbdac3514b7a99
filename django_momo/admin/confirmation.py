"""The confirmation page of a money-moving action, and the signed token that binds it.

The page shows the eligible rows of the selection (a sample, the count and the total per
currency) and carries one signed token holding exactly those rows' ids, the action, the model,
the operator and a digest of what was shown (per row: id, currency, amount, status; and the
count and total per currency). The confirming POST acts only on those ids, and only while the
digest recomputed from the database is the one in the token: a row added under "select all", a
row that moved status or changed amount, or a token that was altered, expired or made for
another action means nothing is done and the page comes back saying what changed. Rows added
after the page was shown are never touched.

A token is used once: the confirming POST claims it in the cache, so a double submit finds it
used and reports what the first submit left behind instead of acting again. The cache only
shapes that message; the services' compare-and-set keeps a double submit harmless without it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core import signing
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .display import display_amount

CONFIRM_TEMPLATE = "admin/django_momo/confirm_action.html"
SAMPLE_SIZE = 20
TOKEN_FIELD = "momo_confirmation"
TOKEN_SALT = "django_momo.admin.confirmation"
# A page left open longer than this is shown again before anything is done.
TOKEN_MAX_AGE = 60 * 60
USED_KEY = "django_momo:admin:confirmation-used:{nonce}"
# Rows read per query when acting on a bound selection (keeps each ``IN (...)`` short).
CHUNK = 500


def is_confirmed(request: HttpRequest) -> bool:
    """Whether this POST comes from the confirmation page."""
    return request.POST.get("confirm") == "yes"


@dataclass(frozen=True)
class Snapshot:
    """What the page shows of the eligible rows: their ids, totals per currency and digest."""

    ids: tuple[int, ...]
    # (currency, count, total as a plain decimal string), ordered by currency
    totals: tuple[tuple[str, int, str], ...]
    digest: str

    @classmethod
    def of(cls, eligible: QuerySet[Any]) -> Snapshot:
        """Read the eligible rows (one query over four columns, however many rows)."""
        rows = list(
            eligible.order_by("pk").values_list("pk", "currency", "amount", "status").distinct()
        )
        per_currency: dict[str, list[Any]] = {}
        lines = []
        for pk, currency, amount, status in rows:
            entry = per_currency.setdefault(currency, [0, Decimal(0)])
            entry[0] += 1
            entry[1] += Decimal(amount)
            lines.append([pk, currency, plain(amount), status])
        totals = tuple(
            (currency, count, plain(total))
            for currency, (count, total) in sorted(per_currency.items())
        )
        body = json.dumps([list(totals), lines], separators=(",", ":"))
        return cls(
            ids=tuple(pk for pk, *_rest in rows),
            totals=totals,
            digest=hashlib.sha256(body.encode()).hexdigest(),
        )

    def display_totals(self) -> list[dict[str, Any]]:
        return [
            {
                "currency": currency,
                "count": count,
                "total": display_amount(Decimal(total), currency),
            }
            for currency, count, total in self.totals
        ]


def plain(amount: Any) -> str:
    """``Decimal("15.0000")`` as ``"15"``: the same amount reads the same from any database."""
    return format(Decimal(amount).normalize(), "f")


def to_runs(ids: tuple[int, ...]) -> list[list[int]]:
    """Sorted ids as ``[first, length]`` runs: a contiguous "select all" stays a few numbers."""
    runs: list[list[int]] = []
    for pk in ids:
        if runs and runs[-1][0] + runs[-1][1] == pk:
            runs[-1][1] += 1
        else:
            runs.append([pk, 1])
    return runs


def from_runs(runs: Any) -> tuple[int, ...]:
    ids: list[int] = []
    for first, length in runs:
        if not (isinstance(first, int) and isinstance(length, int) and length > 0):
            raise ValueError("malformed run")
        ids.extend(range(first, first + length))
    return tuple(ids)


@dataclass
class Binding:
    """A confirming POST checked against the token its page carried."""

    action: str
    # The ids the page showed (empty when there is no valid token).
    ids: tuple[int, ...] = ()
    # How many selected rows the page said would be skipped.
    skipped: int = 0
    nonce: str = ""
    # Why nothing may be done, for the operator; empty when the binding holds.
    problem: str = ""
    # The token was already submitted once (a double submit).
    used: bool = False
    confirmed: bool = False
    snapshot: Snapshot | None = field(default=None, repr=False)

    @property
    def holds(self) -> bool:
        """Whether the POST confirms exactly what the page showed, not submitted before."""
        return self.confirmed and not self.problem and not self.used

    def claim(self) -> bool:
        """Mark the token used; ``False`` when another submit of it came first."""
        return bool(cache.add(USED_KEY.format(nonce=self.nonce), 1, TOKEN_MAX_AGE))

    def release(self) -> None:
        """Give the token back after a refusal that changed nothing."""
        cache.delete(USED_KEY.format(nonce=self.nonce))

    def rows(self, eligible: QuerySet[Any]) -> Iterator[Any]:
        """The shown rows that are still eligible, by id, read in chunks."""
        for start in range(0, len(self.ids), CHUNK):
            yield from eligible.filter(pk__in=self.ids[start : start + CHUNK]).order_by("pk")

    def still_eligible(self, eligible: QuerySet[Any]) -> list[int]:
        """The ids of the shown rows that are still eligible."""
        found: list[int] = []
        for start in range(0, len(self.ids), CHUNK):
            chunk = self.ids[start : start + CHUNK]
            found.extend(eligible.filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
        return found


def bind(modeladmin: Any, request: HttpRequest, eligible: QuerySet[Any], action: str) -> Binding:
    """Check a confirming POST's token against the eligible rows as they are now."""
    binding = Binding(action=action, confirmed=is_confirmed(request))
    if not binding.confirmed:
        return binding
    opts = modeladmin.model._meta
    try:
        payload = signing.loads(
            request.POST.get(TOKEN_FIELD, ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE
        )
        if (payload.get("action"), payload.get("model"), payload.get("user")) != (
            action,
            opts.label_lower,
            str(request.user.pk),
        ):
            raise ValueError("another action, model or operator")
        shown_ids = from_runs(payload["ids"])
        shown_totals = tuple(tuple(t) for t in payload["totals"])
        binding.skipped = int(payload["skipped"])
        binding.nonce = str(payload["nonce"])
        digest = str(payload["digest"])
    except signing.SignatureExpired:
        binding.problem = _(
            "This confirmation page is too old; nothing was done. Check the selection again."
        )
        return binding
    except (signing.BadSignature, ValueError, KeyError, TypeError, AttributeError):
        binding.problem = _(
            "This confirmation does not match this action (it was altered, or made for "
            "another page); nothing was done. Check the selection again."
        )
        return binding
    binding.ids = shown_ids
    if cache.get(USED_KEY.format(nonce=binding.nonce)) is not None:
        binding.used = True
        return binding
    now = Snapshot.of(eligible)
    binding.snapshot = now
    if now.digest == digest and now.ids == shown_ids and now.totals == shown_totals:
        return binding
    moved = len(set(now.ids) ^ set(shown_ids))
    if moved:
        noun = opts.verbose_name if moved == 1 else opts.verbose_name_plural
        binding.problem = ngettext(
            "%(count)d %(noun)s was added or changed since you saw this page; nothing was "
            "done. Check again.",
            "%(count)d %(noun)s were added or changed since you saw this page; nothing was "
            "done. Check again.",
            moved,
        ) % {"count": moved, "noun": noun}
    else:
        binding.problem = _(
            "The amounts or statuses of the %(noun)s changed since you saw this page; nothing "
            "was done. Check again."
        ) % {"noun": opts.verbose_name_plural}
    return binding


def issue_token(
    modeladmin: Any, request: HttpRequest, action: str, snapshot: Snapshot, skipped: int
) -> str:
    """The signed token of a confirmation page showing ``snapshot``."""
    payload = {
        "action": action,
        "model": modeladmin.model._meta.label_lower,
        "user": str(request.user.pk),
        "nonce": secrets.token_hex(12),
        "ids": to_runs(snapshot.ids),
        "totals": [list(t) for t in snapshot.totals],
        "digest": snapshot.digest,
        "skipped": skipped,
    }
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def confirmation_page(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    eligible: QuerySet[Any],
    *,
    binding: Binding,
    title: str,
    summary: str,
    skipped_text: str,
    submit_label: str,
    form: forms.Form | None = None,
    warning: str = "",
) -> TemplateResponse:
    """The page listing what the action will do, with a form that POSTs the action again.

    What it shows is read once and bound into the page's token; a ``binding`` that failed puts
    its reason on top of the page.
    """
    snapshot = binding.snapshot or Snapshot.of(eligible)
    count = len(snapshot.ids)
    skipped = max(queryset.count() - count, 0)
    sample = list(eligible.filter(pk__in=snapshot.ids[:SAMPLE_SIZE]).order_by("pk"))
    for obj in sample:
        obj.display_amount = display_amount(obj.amount, obj.currency)
    select_across = request.POST.get("select_across") == "1"
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "action": binding.action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": select_across,
        "selected_ids": [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "token_field": TOKEN_FIELD,
        "token": issue_token(modeladmin, request, binding.action, snapshot, skipped),
        "problem": binding.problem,
        "summary": summary.format(count=count),
        "count": count,
        "totals": snapshot.display_totals(),
        "skipped": skipped,
        "skipped_text": skipped_text.format(count=skipped),
        "sample": sample,
        "more": max(count - len(sample), 0),
        "form": form,
        "warning": warning,
        "submit_label": submit_label,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)


def already_submitted(request: HttpRequest) -> None:
    """Say that a second submit of one confirmation did nothing."""
    messages.warning(
        request, _("This confirmation was already submitted; nothing was done a second time.")
    )
