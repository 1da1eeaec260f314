"""The client's private pages in a real browser at phone size, with screenshots for the docs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from clients.links import link_issue
from clients.models import Channel, CheckIn, Signal
from notes.services import delivery_send, note_create
from tests.browser.conftest import SCREENSHOTS

NOTE = "Thinking of you before Thursday. Try the two-minute breathing we practised."
HARD_TIME = "I'm having a hard time"


def _sent_note(cast, client):
    note = note_create(therapist=cast.therapist, client=client, body=NOTE)
    delivery = note.deliveries.get(channel=Channel.IN_APP)
    delivery_send(delivery_id=delivery.pk)
    return note


def _open_url(live_server, client) -> str:
    _, token = link_issue(client=client)
    return live_server.url + reverse("portal:open", args=[token])


def _crisis_bar(page: Page) -> Locator:
    return page.get_by_role("complementary", name="If you need help now")


def test_client_opens_link_reacts_checks_in_and_asks_for_help(
    cast, reachable, live_server, page, screenshot
):
    note = _sent_note(cast, reachable)
    page.goto(_open_url(live_server, reachable))

    expect(page.get_by_role("button", name="Open your notes")).to_be_visible()
    expect(_crisis_bar(page)).to_contain_text("988")
    screenshot("client-open-link")

    page.get_by_role("button", name="Open your notes").click()
    expect(page).to_have_url(live_server.url + reverse("portal:notes"))
    expect(page.get_by_text(NOTE)).to_be_visible()
    screenshot("client-notes")

    page.get_by_role("button", name="This helped").click()
    # The redirect back to the notes page is what shows the pressed state.
    expect(page.get_by_role("button", name="This helped")).to_have_attribute("aria-pressed", "true")
    assert Signal.objects.filter(
        note=note, kind=Signal.Kind.REACTION, reaction=Signal.Reaction.HELPED
    ).exists()

    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_label("Anything you'd like to add?").fill("Slept a bit better this week.")
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Thank you for checking in.")).to_be_visible()
    assert CheckIn.objects.filter(client=reachable, mood=6).exists()

    page.get_by_role("button", name=HARD_TIME).click()
    expect(
        page.get_by_role("heading", name="You don't have to go through this alone")
    ).to_be_visible()
    expect(page.get_by_role("region", name="Right now")).to_contain_text("988")
    expect(page.get_by_text(cast.therapist.availability_statement)).to_be_visible()
    screenshot("client-hard-time")
    assert Signal.objects.filter(client=reachable, kind=Signal.Kind.HARD_TIME).exists()


def _tab_to(page: Page, target: Locator, presses: int = 10) -> bool:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return True
    return False


def _assert_crisis_help_at_hand(page: Page) -> None:
    viewport = page.viewport_size
    # WCAG 1.4.10 (reflow): nothing makes a phone scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    box = _crisis_bar(page).bounding_box()
    assert box is not None, "crisis bar not rendered"
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= viewport["height"], "crisis bar below the first screen"
    button = page.get_by_role("button", name=HARD_TIME)
    assert _tab_to(page, button), f"{HARD_TIME!r} not reached within 10 presses of Tab"


def test_crisis_help_is_on_the_first_screen_and_reachable_by_keyboard(
    cast, reachable, live_server, page
):
    _sent_note(cast, reachable)
    page.goto(_open_url(live_server, reachable))
    _assert_crisis_help_at_hand(page)

    page.get_by_role("button", name="Open your notes").click()
    expect(page.get_by_text(NOTE)).to_be_visible()
    _assert_crisis_help_at_hand(page)


@pytest.mark.parametrize("kind", ["unknown", "expired"])
def test_dead_link_says_so_and_still_shows_the_crisis_line(kind, reachable, live_server, page):
    if kind == "expired":
        _, token = link_issue(client=reachable, ttl=dt.timedelta(seconds=-1))
    else:
        token = "not-a-real-token-at-all"
    response = page.goto(live_server.url + reverse("portal:open", args=[token]))

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.get_by_text("no longer works").first).to_be_visible()
    expect(_crisis_bar(page)).to_contain_text("988")
    expect(page.get_by_role("button", name=HARD_TIME)).to_be_visible()


def test_hard_time_button_works_without_a_session(live_server, page):
    """Someone whose link has expired still gets the crisis page, not an error."""
    page.goto(live_server.url + reverse("portal:open", args=["not-a-real-token-at-all"]))
    page.get_by_role("button", name=HARD_TIME).click()

    expect(
        page.get_by_role("heading", name="You don't have to go through this alone")
    ).to_be_visible()
    expect(page.get_by_role("region", name="Right now")).to_contain_text("988")
    assert not Signal.objects.filter(kind=Signal.Kind.HARD_TIME).exists()


def test_pages_reflow_at_200_percent_zoom(browser, cast, reachable, live_server):
    """200% zoom on a 390 px phone leaves 195 CSS px: nothing may scroll sideways, and the
    crisis line and the hard-time button stay on the first screen."""
    _sent_note(cast, reachable)
    context = browser.new_context(
        viewport={"width": 195, "height": 422}, device_scale_factor=4, is_mobile=True
    )
    page = context.new_page()
    try:
        page.goto(_open_url(live_server, reachable))
        _assert_crisis_help_at_hand(page)
        page.get_by_role("button", name="Open your notes").click()
        expect(page.get_by_text(NOTE)).to_be_visible()
        _assert_crisis_help_at_hand(page)
        page.goto(live_server.url + reverse("portal:preferences"))
        _assert_crisis_help_at_hand(page)
        page.screenshot(path=str(SCREENSHOTS / "client-notes-200-percent.png"), full_page=False)
    finally:
        context.close()
