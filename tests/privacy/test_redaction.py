"""Blotting a person's identifiers out of the text the town keeps."""

from __future__ import annotations

from victo_crm.privacy.registry import REDACTED, redact


def test_names_emails_and_phone_numbers_however_written_are_blotted_out() -> None:
    who = ("Marie Tremblay", "marie@example.ca", "819 555-0142")
    text = "Bonjour MARIE  TREMBLAY (marie@example.ca), on vous appelle au (819) 555 0142."

    assert redact(text, who) == f"Bonjour {REDACTED} ({REDACTED}), on vous appelle au ({REDACTED}."


def test_a_name_is_matched_as_a_whole_word_and_other_text_is_left_alone() -> None:
    assert redact("Marielle et Tremblaye", ("Marie", "Tremblay")) == "Marielle et Tremblaye"
    assert redact("", ("Marie",)) == ""
    assert redact("Regex .* [x]", (".*",)) == "Regex [retiré] [x]"
