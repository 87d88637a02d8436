"""Helpers for the places tests: polygons, files and an administrator of the site."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import sign_in
from victo_crm.accounts.models import User

# The lead's ``town`` fixture (tests/conftest.py): a boundary square from 46.00 to 46.12 N and
# -72.03 to -71.87, cut at -71.95 into a west and an east district, and one sector over all.
WEST = (46.06, -71.99)  # a point in the west district
EAST = (46.06, -71.90)  # a point in the east district
MONTREAL = (45.5017, -73.5673)


def polygon(lat0: float, lon0: float, lat1: float, lon1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or JSON) to a file of the test's folder and return its path."""

    def _write(name: str, content: Any, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        text = content if isinstance(content, str) else json.dumps(content)
        path.write_text(text, encoding=encoding)
        return path

    return _write


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="superadmin@victoriaville.ca", password="x")


@pytest.fixture
def admin_client_fr(superuser: User) -> Client:
    """A browser signed in as a superuser, in French like the town's staff."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    sign_in(client, superuser)
    return client
