"""What the portal itself stores: the receipts that make a resent form file nothing twice."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionReceipt(models.Model):
    """One filed form, by the token its page chose (``draft_id``, or the one the device's
    offline queue keeps with its copy).

    The receipt is inserted *before* the request is filed, in the same transaction: a second
    copy of the form (a double click, a retry after a lost response, two tabs sending the
    copy kept offline) waits on the unique key, then finds the first one's request instead of
    filing another. A refused or failed submission rolls its receipt back with it, so the
    corrected form may be sent again with the same token.

    Tokens are chosen by the browser, so they are scoped to the submitter (the citizen's
    account, or a guest's e-mail address — hashed, never stored as such): one person's token
    never stands for another's form."""

    scope = models.CharField(max_length=80)
    token = models.CharField(max_length=64)
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("requête"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("accusé de réception du portail")
        verbose_name_plural = _("accusés de réception du portail")
        constraints = [
            models.UniqueConstraint(fields=["scope", "token"], name="portal_receipt_scope_token")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.token}"
