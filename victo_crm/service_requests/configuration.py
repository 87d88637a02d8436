"""The request-type configuration as every submission reads it, kept in memory between changes.

Built in a handful of queries after an administrator changes a type, a field, a group, a
workflow, a state, a team or an assignment rule (see ``victo_crm.core.config_cache``); until then a
submission finds its type, fields, entry state and routing rules without a query. The
instances are shared between requests: read them, never change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from victo_crm.accounts.models import Team
from victo_crm.core.config_cache import memoized

from .models import AssignmentRule, RequestType, RequestTypeField, ServiceRequest, State


@dataclass(frozen=True)
class Catalogue:
    by_code: dict[str, RequestType] = field(default_factory=dict)
    by_pk: dict[int, RequestType] = field(default_factory=dict)
    fields: dict[int, list[RequestTypeField]] = field(default_factory=dict)
    initial_states: dict[int, State] = field(default_factory=dict)
    states: dict[int, State] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    assignment_rules: list[AssignmentRule] = field(default_factory=list)

    def fields_of(self, request_type: RequestType) -> list[RequestTypeField]:
        found = self.fields.get(request_type.pk)
        if found is None:  # a type created after this catalogue was built (same transaction)
            return list(request_type.fields.all())
        return found

    def fields_of_request(self, request: ServiceRequest) -> list[RequestTypeField]:
        """The fields of a request's type, in their order: what every face shows its answers
        with (portal, desk, API, e-mails), read from memory rather than per page."""
        return self.fields_of(self.request_type(request.request_type_id))

    def request_type(self, pk: int) -> RequestType:
        """The type of that id; one read for a type newer than this catalogue."""
        found = self.by_pk.get(pk)
        return found if found is not None else RequestType.objects.get(pk=pk)

    def state(self, pk: int) -> State:
        found = self.states.get(pk)
        return found if found is not None else State.objects.get(pk=pk)

    def team(self, pk: int) -> Team:
        found = self.teams.get(pk)
        return found if found is not None else Team.objects.get(pk=pk)

    def initial_state(self, workflow_id: int) -> State | None:
        if workflow_id in self.initial_states:
            return self.initial_states[workflow_id]
        return State.objects.filter(workflow_id=workflow_id, is_initial=True).first()


def _build() -> Catalogue:
    catalogue = Catalogue()
    types = RequestType.objects.select_related("workflow", "team", "group").prefetch_related(
        Prefetch("fields", queryset=RequestTypeField.objects.all())
    )
    for rtype in types:
        catalogue.by_code[rtype.code] = rtype
        catalogue.by_pk[rtype.pk] = rtype
        catalogue.fields[rtype.pk] = list(rtype.fields.all())
    for state in State.objects.order_by("pk"):
        catalogue.states[state.pk] = state
        if state.is_initial:
            catalogue.initial_states.setdefault(state.workflow_id, state)
    catalogue.teams.update((team.pk, team) for team in Team.objects.all())
    catalogue.assignment_rules.extend(
        AssignmentRule.objects.filter(is_active=True).select_related("team").order_by("order", "pk")
    )
    return catalogue


def catalogue() -> Catalogue:
    return memoized("service_requests:catalogue", _build)
