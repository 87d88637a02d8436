from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer."""
    # Written by hand (docs/architecture.md): the database must answer, and no table is read.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@csrf_exempt
def allauth_not_offered(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """allauth headless always routes its phone-number endpoints, but this project signs in by
    e-mail and stores no phone in allauth (the adapter has no ``get_phone``): they would
    answer 500. They answer allauth's own 404 instead."""
    return JsonResponse({"status": 404}, status=404)
