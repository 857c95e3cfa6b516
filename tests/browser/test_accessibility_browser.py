"""Keyboard users and anyone lost: the skip link, a focus indicator that meets WCAG 1.4.11 (the NHS pattern:
yellow with a dark part, never a yellow-only ring), the accessibility statement, error pages in the service's
own style."""
from __future__ import annotations

import re

from sqlalchemy import select

from demo import seed
from engine.store.models import Task
from tests.browser import page_checks

YELLOW = (255, 235, 59)  # NHS focus colour #ffeb3b
COLOUR = re.compile(r"rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)")

# The focused element's focus indicator (for a radio or checkbox: the circle or box its label draws).
_FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const drawn = ['radio', 'checkbox'].includes(el.type) && el.labels && el.labels[0] ? [el.labels[0], '::before']
                                                                                     : [el, null];
  const style = getComputedStyle(...drawn);
  return {tag: el.tagName.toLowerCase(), type: el.type || '', text: (el.textContent || el.name || '').trim(),
          background: style.backgroundColor, shadow: style.boxShadow,
          outline: style.outlineStyle === 'none' ? '' : `${style.outlineWidth} ${style.outlineColor}`,
          border: `${style.borderTopWidth} ${style.borderTopStyle} ${style.borderTopColor}`};
}"""


def colours(text: str) -> list[tuple[int, int, int]]:
    """The opaque colours named in a computed style value."""
    return [(int(r), int(g), int(b)) for r, g, b, a in COLOUR.findall(text) if a in ("", "1") or float(a) > 0.5]


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def focus_problem(style: dict) -> str | None:
    """None if the indicator is NHS yellow together with a dark (>= 3:1 against yellow and white) part."""
    width = float(re.match(r"[\d.]+", style["border"]).group()) if style["border"] else 0
    yellow = YELLOW in colours(style["background"] + " " + style["shadow"] + " " + style["outline"])
    dark_places = style["shadow"] + (" " + style["border"] if width >= 2 and "none" not in style["border"] else "")
    dark = any(luminance(c) < 0.1 for c in colours(dark_places))
    if yellow and dark:
        return None
    return (f"{style['tag']} {style['type']} {style['text'][:40]!r}: focus shows "
            f"{'yellow' if yellow else 'no NHS yellow'} and {'a dark part' if dark else 'no dark part'} {style}")


def tab_to(page, locator, presses: int = 80) -> None:
    """Move the keyboard focus to the element, with the Tab key as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(browser, live_server, demo_site):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    try:
        sign_in(page, "hana.hub")
        page.goto("/inbox")
        page.keyboard.press("Tab")
        first = page.evaluate("() => ({text: document.activeElement.textContent.trim(), "
                              "href: document.activeElement.getAttribute('href'), "
                              "height: document.activeElement.getBoundingClientRect().height})")
        assert first["text"] == "Skip to main content" and first["href"] == "#maincontent", first
        assert first["height"] > 10, "the skip link is not shown when it has the focus"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "maincontent"
    finally:
        context.close()


def test_focus_on_a_link_a_button_a_radio_and_an_input_is_yellow_with_a_dark_indicator(
        browser, live_server, demo_site, db):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    problems = []
    try:
        page.goto("/login")
        for element in (page.get_by_label("Username"), page.get_by_role("button", name="Sign in"),
                        page.get_by_role("link", name="Accessibility statement")):
            tab_to(page, element)
            problems.append(focus_problem(page.evaluate(_FOCUS_STYLE)))
        sign_in(page, "hana.hub")
        with db.reading() as s:  # the Gate 1 decision: a choice of radio buttons
            task = s.scalars(select(Task.id).where(Task.bpmn_id == "gate1_prioritisation",
                                                   Task.state == "ready")).first()
        page.goto(f"/tasks/{task}")
        tab_to(page, page.locator("main input[type=radio]").first)
        problems.append(focus_problem(page.evaluate(_FOCUS_STYLE)))
        page.screenshot(path=str(page_checks.SCREENSHOTS / "focus-radio.png"))
    finally:
        context.close()
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_every_page_links_to_the_accessibility_statement_which_passes_the_checks(browser, live_server, demo_site):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
    page = context.new_page()
    try:
        page.goto("/login")
        page.locator("footer").get_by_role("link", name="Accessibility statement").click()
        assert page.url.endswith("/accessibility")
        page_checks.assert_page_ok(page, "accessibility-statement")
    finally:
        context.close()


def test_a_missing_page_looks_like_the_service(browser, live_server, demo_site):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
    page = context.new_page()
    try:
        response = page.goto("/no-such-page")
        assert response.status == 404
        assert page.get_by_role("heading", level=1).count() == 1
        page_checks.assert_page_ok(page, "error-404-signed-out")
        sign_in(page, "sam.sponsor")
        response = page.goto("/admin/")
        assert response.status == 403
        page_checks.assert_page_ok(page, "error-403")
    finally:
        context.close()


BAD_PAGE = """<!doctype html><html lang="en"><head><title>A bad page</title></head><body><main>
<h1>Decision</h1><img src="/static/nothing.png">
<div style="width: 600px">A row of boxes wider than a phone</div>
<p>Field gate1_decision, pathway proof_of_value, assigned to bea.board, mail bea.board@example.org</p>
<details><summary>Earlier answers</summary><p>strategic_fit: 4</p></details>
<p>The procedure's key is <code>six_gates</code>, shown as code on purpose.</p>
</main></body></html>"""


def test_the_page_checks_find_what_they_look_for_at_load_and_on_demand(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": page_checks.HEIGHT})
    context.route("**/a-bad-page", lambda route: route.fulfill(body=BAD_PAGE, content_type="text/html"))
    recorder = page_checks.PageRecorder(["bea.board"], context)
    recorder.attach(context)
    page = context.new_page()
    try:
        page.goto("/a-bad-page")
        found = page_checks.check_page(page, "bad-page", ["bea.board"], screenshots=None)
        for _ in range(50):  # the check the page ran itself when it loaded
            if "/a-bad-page" in recorder.reports:
                break
            page.wait_for_timeout(100)
        at_load = recorder.problems()["/a-bad-page"]
    finally:
        context.close()
    text = "\n".join(found)
    assert "axe image-alt" in text and "axe html-lang-valid" not in text
    assert any(line.startswith("at 320 px: scrolls sideways") for line in found)  # 600 px fits at 1280
    assert "form field key `gate1_decision`" in text and "snake_case code `proof_of_value`" in text
    assert "username where a name belongs `bea.board`" in text and "form field key `strategic_fit`" in text
    assert "six_gates" not in text and "example.org" not in text
    assert "no NHS header" in text and "no link to the accessibility statement" in text
    loaded = "\n".join(at_load)
    assert "axe image-alt" in loaded and "`gate1_decision`" in loaded and "no NHS header" in loaded
