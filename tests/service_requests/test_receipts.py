"""One receipt model for "this was already done, here is its result": the portal's resent
forms and the API's Idempotency-Key both keep theirs in ``service_requests.Receipt``, so the
lock, the expiry and the privacy rules exist once (behaviour: tests/portal/test_resent_forms.py,
tests/api/test_idempotency.py)."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from victo_crm.service_requests.models import Receipt

WHO = {"scope", "caller", "owner_key", "submitter"}
WHAT = {"key", "token", "idempotency_key", "draft_id"}


def _unique_field_sets(model: type[models.Model]) -> list[set[str]]:
    sets = [set(fields) for fields in model._meta.unique_together]
    sets += [
        set(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    ]
    return sets


def test_no_second_receipt_table_comes_back() -> None:
    twins = [
        model._meta.label
        for model in apps.get_models()
        if model is not Receipt
        and (
            any(fields & WHO and fields & WHAT for fields in _unique_field_sets(model))
            or {"fingerprint", "response_body"} <= {f.name for f in model._meta.fields}
        )
    ]
    assert not twins, f"Use service_requests.receipts.receipt_once instead of {twins}"
