"""What the portal keeps and does on the citizen's device, in a real Chromium: a request
started without a connection, kept in IndexedDB and filed exactly once when the connection
returns (or shown as not sent, to retry or discard); push notifications on this browser.

Headless Chromium cannot reach a push service, so ``PushManager.subscribe`` is replaced in
the page by one that returns a made-up subscription (it fakes the browser, not our system):
what the server stores and removes is real."""

from __future__ import annotations

import json
import re
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from tests.conftest import login
from tests.portal.test_browser import photo_file
from tests.portal.test_push import p256dh
from victo_crm.notifications.models import PushDevice
from victo_crm.service_requests.models import ServiceRequest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(seeded: Any, town: Any, address: Any, request_type: Any, citizen: Any) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=citizen, email=citizen.email, verified=True, primary=True)
    return {"address": address, "type": request_type, "citizen": citizen}


@pytest.fixture
def tab(page: Any) -> Any:
    page.route(re.compile(r"https?://(?!127\.0\.0\.1|localhost).*"), lambda route: route.abort())
    return page


KEPT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("victo-portal", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("pending", { keyPath: "id" });
  open.onsuccess = () => {
    const all = open.result.transaction("pending").objectStore("pending").getAll();
    all.onsuccess = () => resolve(all.result.map((item) => ({
      id: item.id, type: item.type, state: item.state, reason: item.reason,
      entries: Object.fromEntries(item.entries),
      files: item.files.map((f) => ({ name: f.name, isBlob: f.blob instanceof Blob, size: f.blob.size })),
    })));
    all.onerror = () => reject(all.error);
  };
  open.onerror = () => reject(open.error);
})"""


def start_offline_on_the_location_step(
    page: Any, world: dict[str, Any], tmp_path: Any, make_image: Any
) -> None:
    """The connection drops on the location step: the place is typed, the next step shows
    in place, and the request is kept with its photo."""
    page.goto(f"/portail/requete/{world['type'].code}/lieu/")
    page.context.set_offline(True)
    page.fill("#id_address_query", "1 notre-dame est")  # no suggestions offline: typed as is
    page.fill("#id_location_text", "Devant le 1")
    page.get_by_role("button", name="Continuer").click()
    heading = page.locator("#offline-details-title")
    heading.wait_for()
    assert page.evaluate("document.activeElement.id") == "offline-details-title"
    assert page.locator("form.location-form").is_hidden()
    page.get_by_label("Petit").check()
    page.fill(".offline-details #id_description", "Commencée sans réseau")
    page.set_input_files(
        ".offline-details #id_photos", [photo_file(tmp_path, "trou.jpg", make_image)]
    )
    page.get_by_role("button", name="Envoyer la requête").click()
    page.wait_for_selector("text=Votre requête est gardée sur cet appareil")


def test_a_request_started_offline_is_kept_and_filed_once_when_the_connection_returns(
    tab: Any, world: dict[str, Any], live_server: Any, tmp_path: Any, make_image: Any
) -> None:
    page = tab
    login(page, world["citizen"], live_server.url)
    start_offline_on_the_location_step(page, world, tmp_path, make_image)
    kept = page.evaluate(KEPT)
    assert len(kept) == 1 and kept[0]["state"] == "pending" and kept[0]["type"] == "Nid-de-poule"
    entries = kept[0]["entries"]
    assert (
        entries["address_query"] == "1 notre-dame est" and entries["location_text"] == "Devant le 1"
    )
    assert entries["field_taille"] == "petit" and entries["description"] == "Commencée sans réseau"
    assert entries["location_in_form"] == "1" and len(entries["draft_id"]) == 32
    assert kept[0]["files"] == [
        {"name": "trou.jpg", "isBlob": True, "size": kept[0]["files"][0]["size"]}
    ]
    assert kept[0]["files"][0]["size"] > 0
    assert not ServiceRequest.objects.exists()

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("text=Votre requête gardée sur cet appareil a été envoyée")
    sr = ServiceRequest.objects.get()
    assert sr.reference in page.locator("#portal-status").inner_text()
    assert sr.address == world["address"] and sr.location_text == "Devant le 1"
    assert sr.description == "Commencée sans réseau" and sr.attachments.count() == 1
    assert page.evaluate(KEPT) == []

    # The answer could have been lost on the way: the same copy sent again files nothing.
    again = page.evaluate(
        """(data) => {
          const form = new FormData();
          Object.entries(data).forEach(([k, v]) => form.append(k, v));
          const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
          return fetch(location.pathname.replace("/lieu/", "/details/"), {
            method: "POST", body: form, credentials: "same-origin",
            headers: { "Accept": "application/json", "X-CSRFToken": token },
          }).then((r) => r.json().then((body) => ({ status: r.status, body })));
        }""",
        entries,
    )
    assert again["status"] == 200 and again["body"]["reference"] == sr.reference
    assert ServiceRequest.objects.count() == 1

    # Back on another page later: nothing waits any more, nothing is sent twice.
    page.goto("/portail/")
    page.wait_for_load_state("networkidle")
    assert "envoyée" not in page.locator("#portal-status").inner_text()
    assert ServiceRequest.objects.count() == 1


def test_a_kept_request_the_server_refuses_is_shown_as_not_sent_to_retry_or_discard(
    tab: Any, world: dict[str, Any], live_server: Any, tmp_path: Any, make_image: Any
) -> None:
    page = tab
    login(page, world["citizen"], live_server.url)
    start_offline_on_the_location_step(page, world, tmp_path, make_image)
    # Signed out meanwhile (the session ended on the server): as a guest, the copy lacks a
    # name and an e-mail address.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in Session.objects.values_list("session_key", flat=True):
        store(session_key=key).delete()  # the database and, with Redis, its cached copy
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    notice = page.locator(".notice--error", has_text="n’a pas été envoyée")
    notice.wait_for()
    assert "Nid-de-poule" in notice.inner_text()
    assert "Votre nom : Ce champ est obligatoire." in notice.inner_text()
    assert not ServiceRequest.objects.exists()
    assert page.evaluate(KEPT)[0]["state"] == "failed"

    # Signed in again: still there at the next page, and not resent by itself.
    login(page, world["citizen"], live_server.url)
    page.goto("/portail/mes-requetes/")
    page.locator(".notice--error", has_text="n’a pas été envoyée").wait_for()
    assert not ServiceRequest.objects.exists()
    page.get_by_role("button", name="Réessayer l’envoi").click()
    page.wait_for_selector("text=Votre requête gardée sur cet appareil a été envoyée")
    assert ServiceRequest.objects.get().citizen == world["citizen"]
    assert page.evaluate(KEPT) == []


def test_a_kept_request_can_be_discarded(
    tab: Any, world: dict[str, Any], live_server: Any, tmp_path: Any, make_image: Any
) -> None:
    page = tab
    page.goto("/portail/")
    # A copy kept by an older version of the page, now refused.
    page.evaluate(
        """() => new Promise((resolve) => {
          const open = indexedDB.open("victo-portal", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("pending", { keyPath: "id" });
          open.onsuccess = () => {
            const t = open.result.transaction("pending", "readwrite");
            t.objectStore("pending").put({ id: "vieux-0001", url: "/portail/requete/nid-de-poule/details/",
              entries: [["draft_id", "vieux-0001"]], files: [], type: "Nid-de-poule", at: Date.now(),
              state: "failed", reason: "Indiquez le lieu." });
            t.oncomplete = () => resolve();
          };
        })"""
    )
    page.reload()
    page.get_by_role("button", name="Supprimer de cet appareil").click()
    page.wait_for_selector("text=La requête gardée sur cet appareil a été supprimée.")
    assert page.evaluate(KEPT) == []
    assert not ServiceRequest.objects.exists()


# --- Push notifications on this browser ------------------------------------------------------

FAKE_PUSH = """
(() => {
  window.__permissionAsked = 0;
  window.__unsubscribed = 0;
  let current = null;
  const fake = (endpoint, keys) => ({
    endpoint,
    toJSON: () => ({ endpoint, expirationTime: null, keys }),
    unsubscribe: () => { window.__unsubscribed += 1; current = null; return Promise.resolve(true); },
  });
  if (window.Notification) {
    Notification.requestPermission = () => { window.__permissionAsked += 1; return Promise.resolve("granted"); };
  }
  if (window.PushManager) {
    PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
    PushManager.prototype.subscribe = function (options) {
      window.__applicationServerKey = options && options.applicationServerKey && options.applicationServerKey.byteLength;
      current = fake(%(endpoint)s, %(keys)s);
      return Promise.resolve(current);
    };
  }
})();
"""


def test_marie_turns_push_notifications_on_and_off_on_this_browser(
    tab: Any, world: dict[str, Any], live_server: Any, settings: Any
) -> None:
    settings.VICTO_VAPID_PUBLIC_KEY = p256dh()
    page = tab
    endpoint = "https://fcm.googleapis.com/fcm/send/navigateur-de-marie"
    keys = {"p256dh": p256dh(), "auth": "c2VjcmV0LWF1dGgtMTIzNA"}
    page.context.add_init_script(
        FAKE_PUSH % {"endpoint": json.dumps(endpoint), "keys": json.dumps(keys)}
    )
    login(page, world["citizen"], live_server.url)
    page.goto("/portail/preferences/")
    button = page.get_by_role(
        "button", name="Recevoir les notifications sur cet appareil", exact=True
    )
    button.wait_for()
    assert page.evaluate("window.__permissionAsked") == 0  # asked only when the button is pressed
    button.click()
    page.wait_for_selector("text=Cet appareil recevra vos notifications.")
    assert page.evaluate("window.__permissionAsked") == 1
    assert page.evaluate("window.__applicationServerKey") == 65  # the VAPID key, decoded
    device = PushDevice.objects.get(user=world["citizen"])
    assert device.endpoint == endpoint and device.keys == keys and device.kind == "webpush"
    assert "Chrome" in device.name

    off = page.get_by_role(
        "button", name="Ne plus recevoir les notifications sur cet appareil", exact=True
    )
    off.click()
    page.wait_for_selector("text=Cet appareil ne recevra plus vos notifications.")
    assert not PushDevice.objects.exists()
    assert page.evaluate("window.__unsubscribed") == 1
    assert button.is_visible()


def test_without_the_push_api_or_a_vapid_key_the_button_is_not_offered(
    tab: Any, world: dict[str, Any], live_server: Any, settings: Any
) -> None:
    page = tab
    login(page, world["citizen"], live_server.url)
    settings.VICTO_VAPID_PUBLIC_KEY = p256dh()
    page.context.add_init_script("delete window.PushManager;")
    page.goto("/portail/preferences/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-push]").count() == 1
    assert page.locator("[data-push-subscribe]").is_hidden()
    assert page.locator("#push").is_hidden()
    settings.VICTO_VAPID_PUBLIC_KEY = ""
    page.goto("/portail/preferences/")
    assert page.locator("[data-push]").count() == 0
    assert page.get_by_role("heading", name="Mes préférences").is_visible()


def test_the_service_worker_shows_a_push_message_with_its_link(
    tab: Any, world: dict[str, Any], live_server: Any
) -> None:
    """A push delivered to the service worker (DevTools protocol) becomes a notification with
    the payload's title, text and link."""
    page = tab
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    registrations: list[dict[str, Any]] = []
    cdp = page.context.new_cdp_session(page)
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    page.goto("/portail/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    registration = next(r for r in registrations if r["scopeURL"].endswith("/portail/"))
    payload = {
        "title": "Votre requête 2026-000042",
        "body": "Nouvel état\u00a0: En traitement",
        "url": f"{live_server.url}/portail/mes-requetes/2026-000042/",
        "tag": "request-42",
        "urgent": False,
    }
    message = {
        "origin": live_server.url + "/",
        "registrationId": registration["registrationId"],
        "data": json.dumps(payload),
    }
    read = """() => navigator.serviceWorker.ready
      .then((r) => r.getNotifications())
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, url: n.data.url, tag: n.tag })))"""
    shown: list[dict[str, Any]] = []
    # The worker shows it asynchronously. On a busy CI machine a first delivery once showed
    # nothing within 5 s (never reproduced alone), so it is delivered again every 2.5 s for
    # up to 10 s: the same tag, so a second delivery replaces the first, never adds one.
    for attempt in range(100):
        if attempt % 25 == 0:
            cdp.send("ServiceWorker.deliverPushMessage", message)
        shown = page.evaluate(read)
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == [
        {
            "title": payload["title"],
            "body": payload["body"],
            "url": payload["url"],
            "tag": "request-42",
        }
    ]


# --- Screenshots of what changed, at phone and desktop size ----------------------------------


@pytest.mark.slow
def test_screenshots_of_the_device_features_and_the_account_pages(
    tab: Any,
    world: dict[str, Any],
    live_server: Any,
    settings: Any,
    tmp_path: Any,
    make_image: Any,
) -> None:
    from tests.conftest import DESKTOP, PHONE, screenshot
    from victo_crm.portal.services import web_push_device_register
    from victo_crm.service_requests.services import service_request_submit

    settings.VICTO_VAPID_PUBLIC_KEY = p256dh()
    page = tab
    keys = {"p256dh": p256dh(), "auth": "c2VjcmV0LWF1dGgtMTIzNA"}
    page.context.add_init_script(
        FAKE_PUSH
        % {
            "endpoint": json.dumps("https://web.push.apple.com/send/ecran"),
            "keys": json.dumps(keys),
        }
    )
    web_push_device_register(
        user=world["citizen"],
        subscription={"endpoint": "https://web.push.apple.com/send/tablette", "keys": keys},
        name="Firefox · Android",
    )
    for _ in range(22):
        service_request_submit(
            request_type=world["type"],
            citizen=world["citizen"],
            field_values={"taille": "petit"},
            address=world["address"],
        )

    def fits(name: str, size: dict[str, int]) -> None:
        size_name = "phone" if size == PHONE else "desktop"
        screenshot(page, f"portal-{name}-{size_name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} {size_name}: {width}px"

    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.context.clear_cookies()
        page.goto("/compte/password/reset/")
        fits("mot-de-passe-oublie", size)
        page.goto("/compte/signup/")
        page.fill("#id_email", "pas-une-adresse")
        page.locator("form.account-form button[type=submit]").click()
        page.wait_for_selector(".error-summary")
        fits("inscription-refusee", size)
        # The page that asks for the code the e-mail carries.
        page.fill("#id_email", f"code-{size['width']}@example.ca")
        page.fill("#id_password1", "une longue phrase de passe")
        page.fill("#id_password2", "une longue phrase de passe")
        page.locator("form.account-form button[type=submit]").click()
        page.wait_for_url("**/compte/confirm-email/")
        fits("code-de-confirmation", size)
        page.context.clear_cookies()

        login(page, world["citizen"], live_server.url)
        for name, url in (
            ("courriel", "/compte/email/"),
            ("mot-de-passe", "/compte/password/change/"),
            ("double-authentification", "/compte/2fa/"),
            ("mes-requetes-suivantes", "/portail/mes-requetes/"),
        ):
            page.goto(url)
            fits(name, size)
        page.goto("/portail/preferences/#push")
        page.get_by_role(
            "button", name="Recevoir les notifications sur cet appareil", exact=True
        ).click()
        page.wait_for_selector("text=Cet appareil recevra vos notifications.")
        page.locator("#push").scroll_into_view_if_needed()
        fits("preferences-push", size)

        page.goto(f"/portail/requete/{world['type'].code}/lieu/")
        page.context.set_offline(True)
        page.fill("#id_address_query", "1 notre-dame est")
        page.get_by_role("button", name="Continuer").click()
        page.locator("#offline-details-title").wait_for()
        fits("lieu-hors-ligne", size)
        page.get_by_label("Petit").check()
        page.get_by_role("button", name="Envoyer la requête").click()
        page.wait_for_selector("text=Votre requête est gardée sur cet appareil")
        fits("requete-gardee", size)
        page.evaluate(
            """() => new Promise((resolve) => {
              const open = indexedDB.open("victo-portal", 1);
              open.onsuccess = () => {
                const t = open.result.transaction("pending", "readwrite");
                const store = t.objectStore("pending");
                store.getAll().onsuccess = (e) => e.target.result.forEach((item) => {
                  item.state = "failed"; item.reason = "Votre nom : Ce champ est obligatoire.";
                  store.put(item);
                });
                t.oncomplete = () => resolve();
              };
            })"""
        )
        page.context.set_offline(False)
        page.goto("/portail/")
        page.locator(".notice--error", has_text="n’a pas été envoyée").wait_for()
        fits("requete-non-envoyee", size)
        page.get_by_role("button", name="Supprimer de cet appareil").click()
        page.wait_for_selector("text=La requête gardée sur cet appareil a été supprimée.")
