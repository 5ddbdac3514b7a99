"""Money-moving admin actions: each behind its own permission, each with a confirmation page.

The first POST (from the changelist) renders a page saying what will happen: how many payments,
the total per currency, what is skipped and why. Only the second POST, from that page, acts,
through ``services`` or by enqueueing a task, and reports successes and failures separately.
It acts on exactly the rows the page showed, and only if they are unchanged (the page's signed
token, ``confirmation.py``); otherwise nothing is done and the page comes back. A
double-submitted confirmation acts once: its token is used, the send path is a compare-and-set
in ``services``, and refunds carry an external id fixed when the page was rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from django_momo import services, tasks
from django_momo.models import UNRESOLVED_STATUSES, Collection, PaymentStatus, Refund, Transfer

from .confirmation import (
    SAMPLE_SIZE,
    Binding,
    already_submitted,
    bind,
    confirmation_page,
)
from .display import display_amount
from .forms import CancelForm, RefundForm, RetryForm
from .resolve import ResolveForm


class Plural(str):
    """A confirmation text worded for its count: ``"1 payout"``, ``"2 payouts"``.

    ``confirmation_page`` fills the count in with ``text.format(count=n)``; this text picks its
    singular or plural form (``ngettext``) for that count first.
    """

    singular: str

    def __new__(cls, singular: str, plural: str) -> Plural:
        text = super().__new__(cls, plural)
        text.singular = singular
        return text

    def format(self, *args: Any, **kwargs: Any) -> str:
        count = int(kwargs.get("count", 0))
        return ngettext(self.singular, str(self), count).format(*args, **kwargs)


# Failures listed one by one in the messages; the rest are counted.
MAX_FAILURES_LISTED = 10
S = PaymentStatus
IN_FLIGHT = tuple(UNRESOLVED_STATUSES)


def actor_of(request: HttpRequest) -> str:
    """The audit-trail actor for an operator: ``user:<username>``."""
    return f"user:{request.user.get_username()}"


def require(modeladmin: Any, request: HttpRequest, permission: str) -> None:
    """Refuse the action unless the user holds its permission (also hidden from the menu)."""
    if not getattr(modeladmin, f"has_{permission}_permission")(request):
        raise PermissionDenied


def report(
    request: HttpRequest,
    done: int,
    done_text: Callable[[int], str],
    failures: list[str],
    skipped: int = 0,
    skipped_text: Callable[[int], str] | None = None,
) -> None:
    """Successes, skipped rows and failures as separate messages."""
    if done:
        messages.success(request, done_text(done))
    if skipped and skipped_text is not None:
        messages.warning(request, skipped_text(skipped))
    if failures:
        listed = "; ".join(failures[:MAX_FAILURES_LISTED])
        more = len(failures) - MAX_FAILURES_LISTED
        suffix = _(" (and %(count)d more)") % {"count": more} if more > 0 else ""
        messages.error(
            request,
            ngettext(
                "%(count)d failed: %(list)s%(more)s",
                "%(count)d failed: %(list)s%(more)s",
                len(failures),
            )
            % {"count": len(failures), "list": listed, "more": suffix},
        )
    if not (done or failures or skipped):
        messages.info(request, _("Nothing to do."))


def per_row(rows: Iterable[Any], run: Callable[[Any], Any]) -> tuple[list[Any], list[str]]:
    """Run ``run`` on each row; a ``ServiceError`` is a failure of that row only."""
    done: list[Any] = []
    failures: list[str] = []
    for row in rows:
        try:
            done.append(run(row))
        except services.ServiceError as exc:
            failures.append(f"{row.external_id}: {exc}")
    return done, failures


def repeated(
    request: HttpRequest, binding: Binding, eligible: QuerySet[Any], gone_text: Callable[[int], str]
) -> None:
    """A second submit of a confirmation: nothing is done; say what the first one left behind."""
    already_submitted(request)
    gone = len(binding.ids) - len(binding.still_eligible(eligible))
    if gone:
        messages.warning(request, gone_text(gone))


def skipped_after(binding: Binding, acted: int) -> int:
    """Rows skipped: those the page said it would skip, and shown ones that left meanwhile."""
    return binding.skipped + len(binding.ids) - acted


def confirm_first(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    eligible: QuerySet[Any],
    action: str,
    gone_text: Callable[[int], str],
    *,
    form: Callable[[Binding], Any] | None = None,
    **page: Any,
) -> tuple[Binding | None, Any, Any]:
    """Gate a money action behind its bound confirmation page: ``(binding, form, response)``.

    For the first confirmed submit of an unchanged selection (and a valid ``form``, built from
    from the binding: usually from the POST when the page was confirmed) the binding and the form
    come back with no response;
    otherwise ``(None, form, response)``: the confirmation page, or a repeated submit's note.
    """
    binding = bind(modeladmin, request, eligible, action)
    if binding.used:
        repeated(request, binding, eligible, gone_text)
        return None, None, None  # back to the changelist, with the note
    built = form(binding) if form is not None else None
    if not binding.holds or (built is not None and not built.is_valid()):
        response = confirmation_page(
            modeladmin, request, queryset, eligible, binding=binding, form=built, **page
        )
        return None, built, response
    if not binding.claim():
        repeated(request, binding, eligible, gone_text)
        return None, built, None
    return binding, built, None


# -- send and cancel: payouts, collections, refunds ------------------------------------------------
def _send_texts(model: type[Any]) -> dict[str, Any]:
    if model is Transfer:
        return {
            "title": _("Send payouts"),
            "summary": Plural(
                "{count} payout will be sent to its provider. Money leaves the account.",
                "{count} payouts will be sent to their providers. Money leaves the account.",
            ),
            "skipped_text": Plural(
                "{count} selected payout is not in 'created' and will be skipped.",
                "{count} selected payouts are not in 'created' and will be skipped.",
            ),
            "submit_label": _("Yes, send them"),
            "done": lambda n: (
                ngettext("%(n)d payout queued for sending.", "%(n)d payouts queued for sending.", n)
                % {"n": n}
            ),
            "gone": lambda n: (
                ngettext(
                    "%(n)d payout skipped: no longer in 'created'.",
                    "%(n)d payouts skipped: no longer in 'created'.",
                    n,
                )
                % {"n": n}
            ),
        }
    if model is Collection:
        return {
            "title": _("Send collection requests"),
            "summary": Plural(
                "{count} collection request will be sent; the payer is asked to approve the "
                "payment.",
                "{count} collection requests will be sent; each payer is asked to "
                "approve the payment.",
            ),
            "skipped_text": Plural(
                "{count} selected collection is not in 'created' and will be skipped.",
                "{count} selected collections are not in 'created' and will be skipped.",
            ),
            "submit_label": _("Yes, send them"),
            "done": lambda n: (
                ngettext(
                    "%(n)d collection queued for sending.",
                    "%(n)d collections queued for sending.",
                    n,
                )
                % {"n": n}
            ),
            "gone": lambda n: (
                ngettext(
                    "%(n)d collection skipped: no longer in 'created'.",
                    "%(n)d collections skipped: no longer in 'created'.",
                    n,
                )
                % {"n": n}
            ),
        }
    return {
        "title": _("Send refunds"),
        "summary": Plural(
            "{count} refund will be sent to the provider. Money leaves the account.",
            "{count} refunds will be sent to the provider. Money leaves the account.",
        ),
        "skipped_text": Plural(
            "{count} selected refund is not in 'created' and will be skipped.",
            "{count} selected refunds are not in 'created' and will be skipped.",
        ),
        "submit_label": _("Yes, send them"),
        "done": lambda n: (
            ngettext("%(n)d refund queued for sending.", "%(n)d refunds queued for sending.", n)
            % {"n": n}
        ),
        "gone": lambda n: (
            ngettext(
                "%(n)d refund skipped: no longer in 'created'.",
                "%(n)d refunds skipped: no longer in 'created'.",
                n,
            )
            % {"n": n}
        ),
    }


def _send(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], action: str) -> Any:
    """Queue the shown `created` payments for sending (the workers call the provider)."""
    require(modeladmin, request, "send")
    model = modeladmin.model
    texts = _send_texts(model)
    done_text, gone_text = texts.pop("done"), texts.pop("gone")
    eligible = queryset.filter(status=S.CREATED)
    binding, _form, response = confirm_first(
        modeladmin, request, queryset, eligible, action, gone_text, **texts
    )
    if binding is None:
        return response
    # Only the shown ids, and of those only the ones still created; a payment queued twice is
    # still sent once (the services' compare-and-set).
    ids = binding.still_eligible(eligible)
    tasks.enqueue_send_many(model, ids)
    report(request, len(ids), done_text, [], skipped_after(binding, len(ids)), gone_text)
    return None


def _cancel_texts(model: type[Any]) -> dict[str, Any]:
    if model is Transfer:
        return {
            "title": _("Cancel payouts"),
            "summary": Plural(
                "{count} payout will be cancelled; it can never be sent afterwards.",
                "{count} payouts will be cancelled; they can never be sent afterwards.",
            ),
            "skipped_text": Plural(
                "{count} selected payout was already sent or is final: skipped.",
                "{count} selected payouts were already sent or are final: skipped.",
            ),
            "done": lambda n: (
                ngettext("%(n)d payout cancelled.", "%(n)d payouts cancelled.", n) % {"n": n}
            ),
        }
    if model is Collection:
        return {
            "title": _("Cancel collections"),
            "summary": Plural(
                "{count} collection will be cancelled; it can never be sent afterwards.",
                "{count} collections will be cancelled; they can never be sent afterwards.",
            ),
            "skipped_text": Plural(
                "{count} selected collection was already sent or is final: skipped.",
                "{count} selected collections were already sent or are final: skipped.",
            ),
            "done": lambda n: (
                ngettext("%(n)d collection cancelled.", "%(n)d collections cancelled.", n)
                % {"n": n}
            ),
        }
    return {
        "title": _("Cancel refunds"),
        "summary": Plural(
            "{count} refund will be cancelled; it can never be sent afterwards, "
            "and its amount may be refunded again.",
            "{count} refunds will be cancelled; they can never be sent afterwards, "
            "and their amounts may be refunded again.",
        ),
        "skipped_text": Plural(
            "{count} selected refund was already sent or is final: skipped.",
            "{count} selected refunds were already sent or are final: skipped.",
        ),
        "done": lambda n: (
            ngettext("%(n)d refund cancelled.", "%(n)d refunds cancelled.", n) % {"n": n}
        ),
    }


_CANCEL_SERVICES: dict[type[Any], Callable[..., Any]] = {
    Transfer: services.cancel_transfer,
    Collection: services.cancel_collection,
    Refund: services.cancel_refund,
}


def _cancel(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], action: str) -> Any:
    """Cancel the shown payments that were not sent yet, each audited with the reason."""
    require(modeladmin, request, "cancel")
    model = modeladmin.model
    texts = _cancel_texts(model)
    done_text = texts.pop("done")

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: not in 'created'.", "%(n)d skipped: not in 'created'.", n
        ) % {"n": n}

    eligible = queryset.filter(status=S.CREATED)
    binding, form, response = confirm_first(
        modeladmin,
        request,
        queryset,
        eligible,
        action,
        gone_text,
        form=lambda b: CancelForm(request.POST if b.confirmed else None),
        submit_label=_("Yes, cancel them"),
        **texts,
    )
    if binding is None:
        return response
    actor, reason = actor_of(request), form.cleaned_data["reason"]
    cancel = _CANCEL_SERVICES[model]
    done, failures = per_row(
        binding.rows(eligible), lambda p: cancel(p.pk, actor=actor, reason=reason)
    )
    report(
        request,
        len(done),
        done_text,
        failures,
        skipped_after(binding, len(done) + len(failures)),
        gone_text,
    )
    return None


@admin.action(description=gettext_lazy("Send selected payouts"), permissions=["send"])
def send_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Queue the selected `created` payouts for sending (the workers call the provider)."""
    return _send(modeladmin, request, queryset, "send_transfers")


@admin.action(
    description=gettext_lazy("Cancel selected payouts (before sending)"), permissions=["cancel"]
)
def cancel_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Cancel the selected payouts that were not sent yet."""
    return _cancel(modeladmin, request, queryset, "cancel_transfers")


@admin.action(description=gettext_lazy("Send selected collection requests"), permissions=["send"])
def send_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Queue the selected held `created` collections for sending."""
    return _send(modeladmin, request, queryset, "send_collections")


@admin.action(
    description=gettext_lazy("Cancel selected collections (before sending)"), permissions=["cancel"]
)
def cancel_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Cancel the selected collections that were not sent yet."""
    return _cancel(modeladmin, request, queryset, "cancel_collections")


@admin.action(description=gettext_lazy("Send selected refunds"), permissions=["send"])
def send_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Queue the selected held `created` refunds for sending."""
    return _send(modeladmin, request, queryset, "send_refunds")


@admin.action(
    description=gettext_lazy("Cancel selected refunds (before sending)"), permissions=["cancel"]
)
def cancel_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Cancel the selected refunds that were not sent yet; their amounts are freed."""
    return _cancel(modeladmin, request, queryset, "cancel_refunds")


# -- refresh ---------------------------------------------------------------------------------------
def _refresh(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    noun: tuple[str, str],
    action: str,
) -> Any:
    require(modeladmin, request, "refresh")
    eligible = queryset.filter(status__in=IN_FLIGHT)

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: created or already final.",
            "%(n)d skipped: created or already final.",
            n,
        ) % {"n": n}

    binding, _form, response = confirm_first(
        modeladmin,
        request,
        queryset,
        eligible,
        action,
        gone_text,
        title=_("Refresh status"),
        summary=Plural(
            _("The provider will be asked about {count} %(noun)s.") % {"noun": noun[0]},
            _("The provider will be asked about {count} %(noun)s.") % {"noun": noun[1]},
        ),
        skipped_text=Plural(
            "{count} selected is created or final and will be skipped.",
            "{count} selected are created or final and will be skipped.",
        ),
        submit_label=_("Yes, ask the provider"),
    )
    if binding is None:
        return response
    count = 0
    for payment in binding.rows(eligible.select_related(None).only("pk")):
        tasks.enqueue_refresh(payment)
        count += 1
    report(
        request,
        count,
        lambda n: (
            ngettext("%(n)d status check queued.", "%(n)d status checks queued.", n) % {"n": n}
        ),
        [],
        skipped_after(binding, count),
        gone_text,
    )
    return None


@admin.action(description=gettext_lazy("Refresh status from the provider"), permissions=["refresh"])
def refresh_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected payouts that are in flight."""
    return _refresh(modeladmin, request, queryset, (_("payout"), _("payouts")), "refresh_transfers")


@admin.action(description=gettext_lazy("Refresh status from the provider"), permissions=["refresh"])
def refresh_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected collections that are in flight."""
    return _refresh(
        modeladmin, request, queryset, (_("collection"), _("collections")), "refresh_collections"
    )


@admin.action(description=gettext_lazy("Refresh status from the provider"), permissions=["refresh"])
def refresh_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Ask the provider about the selected refunds that are in flight."""
    return _refresh(modeladmin, request, queryset, (_("refund"), _("refunds")), "refresh_refunds")


# -- retry and refund ------------------------------------------------------------------------------
@admin.action(
    description=gettext_lazy("Retry failed payouts as new payouts"), permissions=["retry"]
)
def retry_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Create a new payout for each selected failed one (linked by ``retry_of``)."""
    require(modeladmin, request, "retry")
    # A failed payout with a live retry is skipped (a double-submitted confirmation creates one
    # new payout, not two); one whose retries all failed or were cancelled may be retried again.
    # The whole retry chain counts (the first payout and every retry of a retry): a chain
    # with a live or successful payout is skipped, as the service would refuse it.
    live_in_chain = Transfer.objects.filter(
        Q(pk=OuterRef("chain_id")) | Q(chain_root=OuterRef("chain_id"))
    ).exclude(status__in=(S.FAILED, S.CANCELLED))
    eligible = (
        queryset.filter(status=S.FAILED)
        .annotate(chain_id=Coalesce("chain_root", "pk"))
        .exclude(Exists(live_in_chain))
    )

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: not failed or retried already.",
            "%(n)d skipped: not failed or retried already.",
            n,
        ) % {"n": n}

    can_send = modeladmin.has_send_permission(request)
    binding, form, response = confirm_first(
        modeladmin,
        request,
        queryset,
        eligible,
        "retry_transfers",
        gone_text,
        # When the selection changed, the box is ticked again for what the page now shows.
        # "Send now" starts ticked for an operator who may send.
        form=lambda b: RetryForm(
            request.POST if b.confirmed and not b.problem else None,
            can_send=can_send,
            initial={"send_now": can_send},
        ),
        title=_("Retry failed payouts"),
        summary=Plural(
            "{count} failed payout will be paid again as a new payout.",
            "{count} failed payouts will be paid again as new payouts.",
        ),
        skipped_text=Plural(
            "{count} selected is not failed, or was retried already: skipped.",
            "{count} selected are not failed, or were retried already: skipped.",
        ),
        submit_label=_("Yes, create the new payouts"),
        warning=_("Each new payout pays the party again. Check that the first one failed."),
    )
    if binding is None:
        return response
    actor, send_now = actor_of(request), can_send and form.cleaned_data.get("send_now")

    def retry(t: Transfer) -> Transfer:
        new = services.retry_transfer(t.pk, actor=actor, created_by=request.user)
        if send_now:
            tasks.enqueue_send(new)
        return new

    done, failures = per_row(binding.rows(eligible), retry)
    report(
        request,
        len(done),
        lambda n: (
            (
                ngettext("%(n)d new payout created", "%(n)d new payouts created", n)
                + (_(" and queued for sending.") if send_now else ".")
            )
            % {"n": n}
        ),
        failures,
        skipped_after(binding, len(done) + len(failures)),
        gone_text,
    )
    return None


@admin.action(description=gettext_lazy("Refund selected collections"), permissions=["refund"])
def refund_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Refund each selected successful collection, fully or by a given amount, and send it."""
    require(modeladmin, request, "refund")
    eligible = queryset.filter(status=S.SUCCESSFUL)

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: not a successful collection.",
            "%(n)d skipped: not successful collections.",
            n,
        ) % {"n": n}

    currencies = set(eligible.order_by().values_list("currency", flat=True).distinct()[:2])
    binding, form, response = confirm_first(
        modeladmin,
        request,
        queryset,
        eligible,
        "refund_collections",
        gone_text,
        form=lambda b: RefundForm(request.POST if b.confirmed else None, currencies=currencies),
        title=_("Refund collections"),
        summary=Plural(
            "{count} collection will be refunded to the payer; money leaves the "
            "account. Leave the amount empty to refund all that remains.",
            "{count} collections will be refunded to the payer; money leaves the "
            "account. Leave the amount empty to refund all that remains.",
        ),
        skipped_text=Plural(
            "{count} selected is not a successful collection: skipped.",
            "{count} selected are not successful collections: skipped.",
        ),
        submit_label=_("Yes, refund"),
    )
    if binding is None:
        show_refund_state(response)
        return response
    actor, amount = actor_of(request), form.cleaned_data["amount"]
    nonce, note = form.cleaned_data["nonce"], form.cleaned_data["note"]

    def refund(c: Collection) -> Any:
        # The external id comes from the page, so a second submit of it finds this refund.
        created = services.create_refund(
            c.pk,
            amount=amount,
            external_id=f"rf-{c.pk}-{nonce}",
            note=note,
            actor=actor,
            created_by=request.user,
        )
        if created.status == S.CREATED:
            tasks.enqueue_send(created)
        return created

    done, failures = per_row(binding.rows(eligible), refund)
    report(
        request,
        len(done),
        lambda n: (
            ngettext(
                "%(n)d refund created and queued for sending.",
                "%(n)d refunds created and queued for sending.",
                n,
            )
            % {"n": n}
        ),
        failures,
        skipped_after(binding, len(done) + len(failures)),
        gone_text,
    )
    return None


def show_refund_state(response: Any) -> None:
    """On the refund page, each shown collection with what was refunded and what remains."""
    context = getattr(response, "context_data", None)
    if not context or "sample" not in context:
        return
    for obj in context["sample"]:
        remaining = services.refundable_amount(obj)
        obj.momo_refunded = display_amount(obj.amount - remaining, obj.currency)
        obj.momo_remaining = display_amount(remaining, obj.currency)


# -- resolving by hand -----------------------------------------------------------------------------
def _resolve(
    modeladmin: Any,
    request: HttpRequest,
    queryset: QuerySet[Any],
    noun: tuple[str, str],
    action: str,
) -> Any:
    """Settle the shown in-flight payments as the operator says, each audited with a note."""
    require(modeladmin, request, "resolve")
    model = modeladmin.model
    eligible = queryset.filter(status__in=IN_FLIGHT)

    def gone_text(n: int) -> str:
        return ngettext(
            "%(n)d skipped: not sending, pending or unknown.",
            "%(n)d skipped: not sending, pending or unknown.",
            n,
        ) % {"n": n}

    binding = bind(modeladmin, request, eligible, action)
    if binding.used:
        return repeated(request, binding, eligible, gone_text)
    # "successful" stays possible only while exactly one payment is eligible (one transaction
    # id, one payment); a confirmation whose selection changed is refused by its token.
    count = len(binding.snapshot.ids) if binding.snapshot else eligible.count()
    form = ResolveForm(request.POST if binding.confirmed else None, eligible=count)

    def page() -> TemplateResponse:
        if count == 1:
            warning = _(
                "The status is set as you say, without asking the provider: check the "
                "provider's statement first. A successful outcome needs the transaction id "
                "from that statement."
            )
        else:
            warning = _(
                "The status is set as you say, without asking the provider: check the "
                "provider's statement first. Several payments are selected, so they can only "
                "be resolved as failed; to resolve one as successful, select it alone (one "
                "transaction id belongs to one payment)."
            )
        response = confirmation_page(
            modeladmin,
            request,
            queryset,
            eligible,
            binding=binding,
            form=form,
            title=_("Resolve by hand"),
            summary=Plural(
                _("{count} %(noun)s will be resolved by hand.") % {"noun": noun[0]},
                _("{count} %(noun)s will be resolved by hand.") % {"noun": noun[1]},
            ),
            skipped_text=Plural(
                "{count} selected is not sending, pending or unknown and will be skipped.",
                "{count} selected are not sending, pending or unknown and will be skipped.",
            ),
            submit_label=_("Yes, resolve them"),
            warning=warning,
        )
        # Listed one by one too: an operator settling money by hand sees what is left out.
        if response.context_data is not None:
            skipped = queryset.exclude(status__in=IN_FLIGHT).order_by("pk")
            response.context_data["skipped_rows"] = list(skipped[:SAMPLE_SIZE])
        return response

    if not (binding.holds and form.is_valid()):
        return page()
    if not binding.claim():
        return repeated(request, binding, eligible, gone_text)
    actor, kwargs = actor_of(request), form.service_kwargs()
    done: list[Any] = []
    failures: list[str] = []
    for row in binding.rows(eligible.select_related(None).only("pk", "external_id")):
        try:
            done.append(services.resolve_manually(model, row.pk, actor=actor, **kwargs))
        except services.InvalidRequest as exc:
            if done or failures:
                failures.append(f"{row.external_id}: {exc}")
                continue
            # The input itself was refused (before any payment was read): nothing changed,
            # so the page comes back with the reason under its field.
            binding.release()
            form.add_service_error(exc.field, exc.message)
            return page()
        except services.ServiceError as exc:
            failures.append(f"{row.external_id}: {exc}")
    outcome = kwargs["outcome"]
    report(
        request,
        len(done),
        lambda n: (
            (
                ngettext(
                    "%(n)d resolved by hand as successful.",
                    "%(n)d resolved by hand as successful.",
                    n,
                )
                if outcome == S.SUCCESSFUL
                else ngettext(
                    "%(n)d resolved by hand as failed.", "%(n)d resolved by hand as failed.", n
                )
            )
            % {"n": n}
        ),
        failures,
        skipped_after(binding, len(done) + len(failures)),
        gone_text,
    )
    return None


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_transfers(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight payouts by hand, after checking the provider's statement."""
    return _resolve(modeladmin, request, queryset, (_("payout"), _("payouts")), "resolve_transfers")


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_collections(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight collections by hand, after checking the statement."""
    return _resolve(
        modeladmin, request, queryset, (_("collection"), _("collections")), "resolve_collections"
    )


@admin.action(description=gettext_lazy("Resolve by hand"), permissions=["resolve"])
def resolve_refunds(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """Settle the selected in-flight refunds by hand, after checking the provider's statement."""
    return _resolve(modeladmin, request, queryset, (_("refund"), _("refunds")), "resolve_refunds")


__all__ = [
    "cancel_collections",
    "cancel_refunds",
    "cancel_transfers",
    "refresh_collections",
    "refresh_refunds",
    "refresh_transfers",
    "refund_collections",
    "resolve_collections",
    "resolve_refunds",
    "resolve_transfers",
    "retry_transfers",
    "send_collections",
    "send_refunds",
    "send_transfers",
]
