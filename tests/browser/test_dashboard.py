"""The therapist's dashboard in a real browser, at desktop and phone size, with screenshots.

The flow from the issue: sign in, see the client who asked for support at the top of the
caseload, open their page, acknowledge the signal, write a note from a template and schedule
it. Then the live preview, the same flow without JavaScript, and the keyboard.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from clients.models import Appointment, CheckIn, Client, QuestionnaireResponse, Signal
from notes.models import Delivery, Note, NoteTemplate
from notes.scheduling import from_wall_clock
from notes.services import delivery_send, note_create
from tests.browser.conftest import SCREENSHOTS, SIZES, new_page
from tests.factories import PASSWORD, AppointmentFactory, MomentFactory

TEMPLATE_TITLE = "Thinking of you"
TEMPLATE_BODY = "Hi {first_name}, I was thinking of you today. No need to reply."
SENT_NOTE = "Thinking of you before Thursday. Try the two-minute breathing we practised."
QUESTION = "Hi Zoe, I was thinking of you after Tuesday. How did the walk with your sister go?"


@dataclass
class Caseload:
    urgent: Client  # asked for support: first, though alphabetically last
    declining: Client  # mood below their usual
    moment: Client  # a moment that matters in two days
    quiet: Client  # nothing to do
    signal: Signal  # the urgent one, open
    template: NoteTemplate


def _ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def _check_ins(client: Client, moods: dict[int, int], *, acknowledged_by=None) -> None:
    """Check-ins `days ago: mood`, each with its (already seen) check-in signal."""
    for days, mood in moods.items():
        at = _ago(days=days, hours=2)
        check_in = CheckIn.objects.create(client=client, mood=mood, created_at=at)
        Signal.objects.create(
            client=client,
            kind=Signal.Kind.CHECK_IN,
            severity=Signal.Severity.INFO,
            check_in=check_in,
            created_at=at,
            acknowledged_at=at + dt.timedelta(hours=3),
            acknowledged_by=acknowledged_by,
        )


def _sent_note(therapist, client: Client, body: str, *, days_ago: int) -> Note:
    """A note sent on every channel `days_ago` days ago, read on the private page."""
    note = note_create(therapist=therapist, client=client, body=body)
    for delivery in note.deliveries.all():
        delivery_send(delivery_id=delivery.pk)
    at = _ago(days=days_ago)
    Note.objects.filter(pk=note.pk).update(created_at=at)
    note.deliveries.update(created_at=at, queued_at=at, sending_at=at, sent_at=at)
    note.deliveries.filter(channel="in_app").update(state=Delivery.State.READ, read_at=at)
    return note


@pytest.fixture
def caseload(cast, make_reachable) -> Caseload:
    therapist = cast.therapist
    zoe = make_reachable(preferred_name="Zoe", time_zone="America/New_York")
    _check_ins(
        zoe,
        {20: 6, 18: 7, 15: 6, 13: 5, 11: 6, 8: 5, 6: 4, 4: 4, 1: 3},
        acknowledged_by=therapist,
    )
    AppointmentFactory(client=zoe, starts_at=_ago(days=6), status=Appointment.Status.ATTENDED)
    AppointmentFactory(client=zoe, starts_at=_ago(days=13), status=Appointment.Status.ATTENDED)
    AppointmentFactory(client=zoe, starts_at=timezone.now() + dt.timedelta(days=5, hours=3))
    note = _sent_note(therapist, zoe, SENT_NOTE, days_ago=4)
    Signal.objects.create(
        client=zoe,
        kind=Signal.Kind.REACTION,
        severity=Signal.Severity.INFO,
        note=note,
        reaction=Signal.Reaction.HELPED,
        created_at=_ago(days=3, hours=20),
    )
    for days, total, severity in ((19, 9, "mild"), (12, 11, "moderate"), (5, 14, "moderate")):
        QuestionnaireResponse.objects.create(
            client=zoe,
            instrument=QuestionnaireResponse.Instrument.PHQ9,
            answers=json.dumps([1] * 9),
            total=total,
            severity=severity,
            created_at=_ago(days=days),
        )
    MomentFactory(client=zoe, label="sister's wedding", date=timezone.localdate() + dt.timedelta(6))
    signal = Signal.objects.create(
        client=zoe,
        kind=Signal.Kind.HARD_TIME,
        severity=Signal.Severity.URGENT,
        created_at=_ago(hours=3),
    )

    bea = make_reachable(preferred_name="Bea")
    _check_ins(bea, {18: 7, 15: 7, 12: 8, 9: 7, 3: 4, 2: 4, 1: 3}, acknowledged_by=therapist)
    AppointmentFactory(client=bea, starts_at=_ago(days=3), status=Appointment.Status.ATTENDED)

    cal = make_reachable(preferred_name="Cal")
    _check_ins(cal, {16: 6, 9: 7, 2: 7}, acknowledged_by=therapist)
    MomentFactory(client=cal, label="job interview", date=timezone.localdate() + dt.timedelta(2))

    template = NoteTemplate.objects.create(
        therapist=therapist, title=TEMPLATE_TITLE, body=TEMPLATE_BODY
    )
    # cast.client ("Ava", the therapist's too) has no reason at all and comes last.
    return Caseload(zoe, bea, cal, cast.client, signal, template)


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture
def sized_page(browser, size) -> Page:
    with new_page(browser, **SIZES[size]) as page:
        yield page


def _shot(page: Page, name: str, target: Locator | None = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    if target is None:
        page.screenshot(path=path, full_page=True)
    else:
        target.screenshot(path=path)


def _sign_in(page: Page, live_server, therapist) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your caseload")).to_be_visible()


def _client_url(live_server, client: Client) -> str:
    return live_server.url + reverse("client_detail", args=[client.pk])


def _two_days_ahead(client: Client) -> dt.datetime:
    """10:00 on the client's clock two days from now, as a naive wall-clock reading."""
    day = timezone.now().astimezone(client.time_zone).date() + dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(10, 0))


def _insert_template(page: Page, client: Client) -> None:
    page.get_by_label("Template", exact=True).select_option(label=TEMPLATE_TITLE)
    page.get_by_role("button", name="Insert").click()
    expect(page.get_by_label("Your note")).to_have_value(_template_words(client))


def _template_words(client: Client) -> str:
    return TEMPLATE_BODY.replace("{first_name}", client.preferred_name)


def _send_in_two_days(page: Page, live_server, client: Client) -> dt.datetime:
    """Chooses 10:00 two days ahead on the client's clock and sends; returns that reading once
    the server has answered with the client's page (#scheduled)."""
    page.get_by_label("At a date and time").check()
    wall = _two_days_ahead(client)
    page.get_by_label("Date and time", exact=True).fill(wall.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page).to_have_url(_client_url(live_server, client) + "#scheduled")
    return wall


def _assert_scheduled_in_db(client: Client, wall: dt.datetime) -> None:
    note = Note.objects.get(client=client, send_at__isnull=False)
    assert note.body == _template_words(client)
    assert note.send_at == from_wall_clock(wall, client.time_zone)
    deliveries = list(note.deliveries.values_list("channel", "state", "due_at"))
    assert sorted(deliveries) == [
        ("email", Delivery.State.SCHEDULED, note.send_at),
        ("in_app", Delivery.State.SCHEDULED, note.send_at),
    ]


def _assert_scheduled_on_page(page: Page, client: Client, *, timeout: float = 5_000) -> None:
    scheduled = page.locator("#scheduled")
    expect(scheduled.get_by_text(_template_words(client))).to_be_visible(timeout=timeout)
    expect(scheduled.locator(".state.scheduled")).to_have_text(["scheduled", "scheduled"])
    expect(page.get_by_role("status")).to_contain_text("Note scheduled for")


def _no_sideways_scroll(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_urgent_client_first_acknowledge_and_schedule_a_note(
    caseload, cast, live_server, sized_page, size
):
    page = sized_page
    zoe = caseload.urgent
    _sign_in(page, live_server, cast.therapist)
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"

    # Ranked by need, not by name: Zoe asked for support, Bea's mood dropped, Cal has a
    # moment in two days, Ava needs nothing.
    rows = page.locator("table.caseload th[scope=row] a")
    expect(rows).to_have_text(["Zoe", "Bea", "Cal", "Ava"])
    first = page.locator("table.caseload tbody tr").first
    expect(first).to_have_class(re.compile(r"\burgent\b"))
    expect(first).to_contain_text("Asked for support")
    _no_sideways_scroll(page)
    _shot(page, f"dashboard-caseload-{size}")

    rows.first.click()
    expect(page).to_have_url(_client_url(live_server, zoe))
    expect(page.get_by_role("heading", name="Zoe", level=1)).to_be_visible()
    waiting = page.locator("#open-signals")
    expect(waiting).to_contain_text("Waiting for you (1)")
    expect(waiting).to_contain_text("Asked for support")
    _no_sideways_scroll(page)
    _shot(page, f"dashboard-client-{size}")

    # htmx swaps #open-signals in place: no reload (the marker survives), no flash message.
    page.evaluate("window.__sameDocument = true")
    waiting.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#open-signals")).to_contain_text("Nothing waiting")
    assert page.evaluate("window.__sameDocument") is True
    caseload.signal.refresh_from_db()
    assert caseload.signal.acknowledged_by == cast.therapist
    assert caseload.signal.acknowledged_at is not None

    _insert_template(page, zoe)
    wall = _send_in_two_days(page, live_server, zoe)
    _assert_scheduled_in_db(zoe, wall)
    _assert_scheduled_on_page(page, zoe)
    _no_sideways_scroll(page)


def test_scheduled_note_shows_on_the_page_right_after_send(
    caseload, cast, live_server, desktop_page
):
    page = desktop_page
    zoe = caseload.urgent
    _sign_in(page, live_server, cast.therapist)
    page.goto(_client_url(live_server, zoe))
    _insert_template(page, zoe)
    wall = _send_in_two_days(page, live_server, zoe)
    _assert_scheduled_in_db(zoe, wall)
    _assert_scheduled_on_page(page, zoe, timeout=3_000)


def test_live_preview_counts_and_hints_while_typing(caseload, cast, live_server, sized_page, size):
    page = sized_page
    zoe = caseload.urgent
    _sign_in(page, live_server, cast.therapist)
    page.goto(_client_url(live_server, zoe))
    preview = page.locator(f"#preview-{zoe.pk}")
    expect(preview).to_be_empty()

    page.get_by_label("Your note").press_sequentially(QUESTION)

    # Only htmx's input trigger (300 ms after the last key) can have filled the preview.
    expect(preview).to_contain_text(f"{len(QUESTION)} / 600 characters")
    hint = preview.locator('[data-hint="demands_answer"]')
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("a question the client may feel they have to answer")
    # Zoe is discreet: her email carries only a link; the private page has the words.
    by_email = preview.locator("details", has_text="By email")
    expect(by_email).to_contain_text("discreet: no words of the note")
    expect(by_email.locator("pre.message")).not_to_contain_text("walk with your sister")
    on_page = preview.locator("details", has_text="private page").locator("pre.message")
    expect(on_page).to_contain_text("walk with your sister")
    expect(page).to_have_url(_client_url(live_server, zoe))
    assert Note.objects.filter(client=zoe).count() == 1, "previewing saved a note"
    _no_sideways_scroll(page)
    _shot(page, f"dashboard-composer-{size}", page.locator(f"#composer-{zoe.pk}"))

    # Rewording without the question takes the hint away again.
    calm = "Hi Zoe, thinking of you this week. No need to reply."
    page.get_by_label("Your note").fill(calm)
    expect(preview).to_contain_text(f"{len(calm)} / 600 characters")
    expect(hint).to_have_count(0)


def test_acknowledge_and_schedule_without_javascript(caseload, cast, browser, live_server):
    zoe = caseload.urgent
    with new_page(browser, **SIZES["desktop"], java_script_enabled=False) as page:
        _sign_in(page, live_server, cast.therapist)
        page.goto(_client_url(live_server, zoe))

        page.locator("#open-signals").get_by_role("button", name="Acknowledge").click()
        expect(page).to_have_url(_client_url(live_server, zoe) + "#open-signals")
        expect(page.get_by_role("status")).to_have_text("Acknowledged 1 signal.")
        expect(page.locator("#open-signals")).to_contain_text("Nothing waiting")
        caseload.signal.refresh_from_db()
        assert caseload.signal.acknowledged_by == cast.therapist

        # "Insert" is a plain post: it answers with the composer on a page of its own.
        _insert_template(page, zoe)
        expect(page).to_have_url(live_server.url + reverse("compose", args=[zoe.pk]))
        wall = _send_in_two_days(page, live_server, zoe)
        _assert_scheduled_in_db(zoe, wall)
        _assert_scheduled_on_page(page, zoe)


def test_keyboard_reaches_write_a_note_with_a_visible_focus(
    caseload, cast, live_server, sized_page
):
    page = sized_page
    _sign_in(page, live_server, cast.therapist)
    page.goto(live_server.url + reverse("caseload"))
    first_row = page.locator("table.caseload tbody").first
    expect(first_row.locator("th[scope=row]")).to_have_text("Zoe")
    target = first_row.get_by_role("link", name=re.compile(r"^Write a note"))

    # From the top: skip link, brand, Caseload, Templates, Sign out, five filters, Zoe, then
    # her "Write a note" (12 presses); a few of slack.
    for _ in range(15):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the first row's 'Write a note' not reached within 15 presses of Tab")

    style, width = target.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert style != "none" and width != "0px", f"no visible focus outline: {style} {width}"
    _no_sideways_scroll(page)


def test_write_a_note_inline_from_a_caseload_row(caseload, cast, live_server, desktop_page):
    page = desktop_page
    bea = caseload.declining
    _sign_in(page, live_server, cast.therapist)
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Write a note to Bea").click()
    row = page.locator(f"#compose-row-{bea.pk}")
    row.get_by_label("Your note").fill("Bea, thinking of you today.")
    row.get_by_role("button", name="Send").click()
    expect(row).to_contain_text("Note sent on its way.")
    expect(row.get_by_label("Your note")).to_have_value("")
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no reload
    note = Note.objects.get(client=bea)
    assert note.body == "Bea, thinking of you today." and note.send_at is None
