"""The sign-up page: every ``aria-describedby`` names an element that is there and says
something, so a screen reader announces the help (the password rules), not silence.

The password rules are a list; inside a ``<p>`` the browser closes the paragraph at the
``<ul>`` (HTML's parsing rules), which left the described element empty. The parser below
applies that rule, as a browser does."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


# Start tags that close an open <p> (the HTML standard, "in body" insertion mode).
CLOSES_P = {
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip


class DescribedBy(HTMLParser):
    """Collects the text of every element with an id, and every aria-describedby."""

    def __init__(self) -> None:
        super().__init__()
        self.text: dict[str, str] = {}
        self.references: list[str] = []
        self.open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in CLOSES_P and any(opened == "p" for opened, _ in self.open):
            self.handle_endtag("p")
        self.references += (values.get("aria-describedby") or "").split()
        if tag in {"input", "br", "img", "meta", "link", "hr", "source"}:
            if values.get("id"):
                self.text.setdefault(values["id"] or "", "")
            return
        self.open.append((tag, values.get("id")))
        if values.get("id"):
            self.text.setdefault(values["id"] or "", "")

    def handle_endtag(self, tag: str) -> None:
        if all(opened != tag for opened, _ in self.open):
            return  # a stray end tag (the </p> after an implicitly closed paragraph)
        while self.open:
            opened, _ = self.open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _tag, element_id in self.open:
            if element_id:
                self.text[element_id] += data


def described_by(page: str) -> dict[str, str]:
    parser = DescribedBy()
    parser.feed(page)
    assert parser.references, "the page should describe at least the password field"
    return {ref: parser.text.get(ref, "<missing>").strip() for ref in parser.references}


@pytest.mark.parametrize("data", [None, {"email": "pas-un-courriel", "password1": "court"}])
def test_every_description_of_the_sign_up_form_exists_and_has_text(data: dict | None) -> None:
    client = Client()
    response = (
        client.get("/compte/signup/") if data is None else client.post("/compte/signup/", data)
    )
    descriptions = described_by(response.content.decode())
    empty = {ref: text for ref, text in descriptions.items() if not text or text == "<missing>"}
    assert not empty, f"aria-describedby pointing at nothing: {empty}"
