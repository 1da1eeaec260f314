"""The Content-Security-Policy in a real browser: the dashboard (with an htmx swap) and the
client's private pages run without a single violation, so nothing the pages need is blocked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from clients.links import link_issue
from clients.models import Channel
from notes.services import delivery_send, note_create
from tests.browser.conftest import DESKTOP, new_page
from tests.factories import PASSWORD

# Playwright's init script runs outside the page's policy; it records what the page's own
# code would have been refused.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched(browser) -> Iterator[tuple[Page, list[str]]]:
    with new_page(browser, **DESKTOP) as page:
        console: list[str] = []

        def report(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                console.append(message.text)

        page.on("console", report)
        page.add_init_script(WATCH)
        yield page, console


def violations(page: Page, console: list[str]) -> list[str]:
    return [*page.evaluate("window.__cspViolations"), *console]


def test_dashboard_and_htmx_preview_run_without_a_violation(cast, reachable, live_server, watched):
    page, console = watched
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email").fill(cast.therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()
    assert violations(page, console) == []

    page.goto(live_server.url + reverse("client_detail", args=[reachable.pk]))
    page.get_by_label("Your note").press_sequentially("Thinking of you this week.")
    # Only htmx (a nonce'd script) can have filled the preview.
    expect(page.locator(f"#preview-{reachable.pk}")).to_contain_text("/ 600 characters")
    assert page.evaluate("typeof htmx") == "object"
    assert violations(page, console) == []


def test_client_pages_run_without_a_violation(cast, reachable, live_server, watched):
    page, console = watched
    note = note_create(therapist=cast.therapist, client=reachable, body="Held in mind today.")
    delivery_send(delivery_id=note.deliveries.get(channel=Channel.IN_APP).pk)
    _, token = link_issue(client=reachable)

    page.goto(live_server.url + reverse("portal:open", args=[token]))
    page.get_by_role("button", name="Open your notes").click()
    expect(page.get_by_text("Held in mind today.")).to_be_visible()
    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("Thank you for checking in.")).to_be_visible()
    page.get_by_role("button", name="I'm having a hard time").click()
    expect(page.get_by_role("region", name="Right now")).to_contain_text("988")
    assert violations(page, console) == []
