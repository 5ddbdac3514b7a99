"""One adapter per provider: the services never branch on the provider themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from django_momo import services
from django_momo.conf import momo_settings
from django_momo.models import KINDS, Callback, PaymentStatus, Provider
from django_momo.services.access import PERMISSIONS, Action
from django_momo.services.adapters import ADAPTERS, adapter_for

from .conftest import WALLET_OK, entries, momo_payout

PACKAGE = Path(services.__file__).resolve().parent.parent
# Where a provider may be named: its adapter, its wire package, and the sandbox (a simulator of
# the providers, which imports nothing of ours). Migrations only record choices.
ALLOWED = ("services/adapters/", "providers/", "sandbox/", "migrations/")
PROVIDER_CLASSES = {"MtnAccount", "MomoVnAccount", "MomoCredentials", "MtnProductClient"}

S = PaymentStatus


def _provider_branches(tree: ast.AST) -> list[int]:
    """Line numbers of comparisons with a provider name and isinstance checks of a provider's
    account or client class."""
    names = {p.value for p in Provider} | {"MTN", "MOMO_VN"}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            parts = [node.left, *node.comparators]
            for part in parts:
                if isinstance(part, ast.Constant) and part.value in names:
                    lines.append(node.lineno)
                if isinstance(part, ast.Attribute) and part.attr in names:
                    lines.append(node.lineno)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
        ):
            classes = node.args[1]
            found = {n.id for n in ast.walk(classes) if isinstance(n, ast.Name)}
            if found & PROVIDER_CLASSES:
                lines.append(node.lineno)
    return lines


def test_no_provider_branches_outside_the_adapters_and_providers():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(ALLOWED):
            continue
        for line in _provider_branches(ast.parse(path.read_text(), str(path))):
            found.append(f"{rel}:{line}")
    assert found == []


def test_the_branch_finder_finds_branches():
    # The check above must be able to fail.
    tree = ast.parse(
        "if payment.provider == Provider.MOMO_VN: pass\n"
        "if x == 'mtn': pass\n"
        "if isinstance(acct, MtnAccount): pass\n"
    )
    assert _provider_branches(tree) == [1, 2, 3]


def test_every_provider_has_an_adapter_and_every_adapter_a_provider():
    assert set(ADAPTERS) == {p.value for p in Provider}
    for name, adapter in ADAPTERS.items():
        assert adapter.provider == name
        assert adapter_for(name) is adapter
    with pytest.raises(LookupError):
        adapter_for("paypal")


def test_every_kind_has_its_tasks_permissions_and_callback_link():
    from django_momo import tasks

    assert set(KINDS) == set(tasks._SEND_TASKS) == set(tasks._REFRESH_TASKS)
    callback_fields = {f.name for f in Callback._meta.get_fields()}
    for name in KINDS:
        assert (name, Action.VIEW) in PERMISSIONS
        assert (name, Action.SEND) in PERMISSIONS
        assert name in callback_fields


@pytest.mark.django_db
def test_momo_sends_honour_http_max_retries(momo_accounts, settings):
    """HTTP_MAX_RETRIES applies to MoMo: a lost answer is re-sent, same bytes, same requestId."""
    conf = dict(settings.DJANGO_MOMO)
    conf["HTTP_MAX_RETRIES"] = 2
    settings.DJANGO_MOMO = conf
    momo_accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    payout = momo_payout("m-retried", wallet=WALLET_OK)
    done = services.send_transfer(payout.pk, actor="t")
    assert done.status == S.SUCCESSFUL
    assert len(entries(momo_accounts, "momo_vn", payout.reference)) == 1
    assert int(momo_settings.HTTP_MAX_RETRIES) == 2


@pytest.mark.django_db
def test_without_retries_the_same_lost_answer_is_unknown(momo_accounts, settings):
    conf = dict(settings.DJANGO_MOMO)
    conf["HTTP_MAX_RETRIES"] = 0
    settings.DJANGO_MOMO = conf
    momo_accounts.control.set_faults(lost_after_booking={"next": 1, "provider": "momo_vn"})
    payout = momo_payout("m-once", wallet=WALLET_OK)
    assert services.send_transfer(payout.pk, actor="t").status == S.UNKNOWN
    assert len(entries(momo_accounts, "momo_vn", payout.reference)) == 1
