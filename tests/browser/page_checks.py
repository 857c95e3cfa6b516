"""Checks every page must pass, run in a real browser: axe-core (WCAG 2.2 A/AA), no sideways scrolling, and
words people use (no raw form field keys, snake_case codes or usernames where a name belongs).

`check_page(page, name)` runs them at 1280 px and 320 px and keeps a screenshot of each width.
From the command line, against a running server:
    python -m tests.browser.page_checks BASE_URL USERNAME PASSWORD /path ...
"""
from __future__ import annotations

import json
import re
import sys
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FORMS = ROOT / "forms"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
WIDTHS = (1280, 320)
HEIGHT = 900
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Text in these is code or a picture, shown as it is on purpose.
VERBATIM = "code, pre, samp, kbd, input, textarea, select, script, style, noscript, template, svg, " \
           "[data-verbatim], .diagram, .djs-container, .dmn-js-parent, [role=img]"
SNAKE_CASE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
DEVELOPER_PHRASES = re.compile(r"\bby cli\b|\bhumanise\b", re.IGNORECASE)

_RUN_AXE = """async (tags) => {
  if (window.__sixgatesAutoCheck) await window.__sixgatesAutoCheck.catch(() => null);
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')), count: v.nodes.length}));
}"""

_OVERFLOW = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  if (root.scrollWidth <= limit) return null;
  const scrolls = el => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
  const inside = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
    if (scrolls(p)) return true; return false; };
  const sticks = el => el.getBoundingClientRect().right > limit + 1;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!sticks(el) || (el.parentElement && sticks(el.parentElement)) || inside(el)) continue;
    out.push(name(el) + ' (right edge ' + Math.round(el.getBoundingClientRect().right) + ' px)');
    if (out.length >= 5) break;
  }
  return {scrollWidth: root.scrollWidth, width: limit, elements: out};
}"""

_VISIBLE_TEXT = """(verbatim) => {
  const where = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    [...el.classList].slice(0, 2).map(c => '.' + c).join('');
  const texts = [], revealed = 'details, .nhsuk-radios__conditional, .nhsuk-checkboxes__conditional';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim(), el = node.parentElement;
    if (!text || !el || el.closest(verbatim)) continue;
    // shown now, or one click away (a closed details, a conditional reveal)
    if (!el.checkVisibility({visibilityProperty: true}) && !el.closest(revealed)) continue;
    texts.push([text, where(el)]);
  }
  for (const el of document.body.querySelectorAll('[aria-label], img[alt]')) {
    if (el.closest(verbatim)) continue;
    texts.push([el.getAttribute('aria-label') || el.getAttribute('alt') || '', where(el) + ' label']);
  }
  if (document.title) texts.push([document.title, 'title']);
  return texts;
}"""


_SERVICE = """() => ({header: !!document.querySelector('header.nhsuk-header'),
  statement: !!document.querySelector('footer a[href$="/accessibility"]')})"""


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@cache
def form_field_keys() -> frozenset[str]:
    """Every property key with an underscore in the task forms' schemas (at any depth)."""
    keys: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                keys.update(key for key in properties if "_" in key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in FORMS.glob("*.schema.json"):
        walk(json.loads(schema.read_text(encoding="utf-8")))
    return frozenset(keys)


def demo_usernames() -> list[str]:
    from demo import seed
    return [username for username, *_ in seed.DEMO_USERS]


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it stands, one readable line each."""
    # page.evaluate runs outside the page's CSP (script-src 'self' forbids an injected inline <script>).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return _axe_lines(page.evaluate(_RUN_AXE, WCAG_TAGS))


def _axe_lines(violations: list[dict]) -> list[str]:
    return [f"axe {v['id']} ({v['impact']}): {v['help']} -- {v['count']} element(s), e.g. "
            + "; ".join(v["targets"]) for v in violations]


def sideways_scroll(page) -> list[str]:
    """A problem if the page is wider than the viewport (WCAG 1.4.10 reflow), naming what sticks out."""
    return _overflow_lines(page.evaluate(_OVERFLOW))


def _overflow_lines(found: dict | None) -> list[str]:
    if not found:
        return []
    return [f"scrolls sideways: page is {found['scrollWidth']} px wide in a {found['width']} px window; "
            f"sticking out: {', '.join(found['elements']) or 'nothing found (check margins)'}"]


def words_problems(page, usernames=None, field_keys=None) -> list[str]:
    """Visible words that are a form field key, a snake_case code or a username where a name belongs."""
    return _words_lines(page.evaluate(_VISIBLE_TEXT, VERBATIM), usernames, field_keys)


def _words_lines(texts: list[list[str]], usernames=None, field_keys=None) -> list[str]:
    """One line per piece of text that shows codes or usernames, naming each of them."""
    usernames = demo_usernames() if usernames is None else list(usernames)
    field_keys = form_field_keys() if field_keys is None else frozenset(field_keys)
    username_pattern = _username_pattern(tuple(sorted(set(usernames))))
    problems: dict[str, None] = {}
    for text, where in texts:
        found: dict[str, list[str]] = {}
        for word in SNAKE_CASE.findall(text):
            found.setdefault("form field key" if word in field_keys else "snake_case code", []).append(word)
        if username_pattern:
            found.setdefault("username where a name belongs", []).extend(username_pattern.findall(text))
        found.setdefault("developer wording", []).extend(DEVELOPER_PHRASES.findall(text))
        said = "; ".join(f"{kind} {', '.join(f'`{w}`' for w in dict.fromkeys(words))}"
                         for kind, words in found.items() if words)
        if said:
            problems[f"words: {said} in {where} \"{_shorten(text)}\""] = None
    return list(problems)


@cache
def _username_pattern(usernames: tuple[str, ...]) -> re.Pattern | None:
    if not usernames:
        return None
    # Not part of an e-mail address (bea.board@example.org is an address where an address belongs).
    names = "|".join(re.escape(u) for u in sorted(usernames, key=len, reverse=True))
    return re.compile(rf"(?<![\w.@-])(?:{names})(?![\w@-]|\.\w)")


def _shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _settle(page) -> None:
    """Let a resize reach the page's scripts and layout before checking (two animation frames)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def service_problems(page) -> list[str]:
    """A page of this service has the NHS header and the footer's link to the accessibility statement."""
    return _service_lines(page.evaluate(_SERVICE))


def _service_lines(found: dict) -> list[str]:
    return ([] if found["header"] else ["no NHS header (header.nhsuk-header)"]) + \
        ([] if found["statement"] else ["no link to the accessibility statement in the footer"])


def check_width(page, usernames=None) -> list[str]:
    """Every check at the current viewport width."""
    return [*axe_violations(page), *sideways_scroll(page), *words_problems(page, usernames), *service_problems(page)]


def check_page(page, name: str, usernames=None, widths=WIDTHS, screenshots: Path | None = SCREENSHOTS) -> list[str]:
    """Every check at 1280 px and 320 px, with a full-page screenshot of each; the viewport is put back after."""
    original = page.viewport_size
    problems: dict[str, None] = {}
    try:
        for width in widths:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            _settle(page)
            for problem in check_width(page, usernames):
                problems[f"at {width} px: {problem}"] = None
            if screenshots is not None:
                screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
    finally:
        if original:
            page.set_viewport_size(original)
    return _merge_widths(list(problems))


def _merge_widths(problems: list[str]) -> list[str]:
    """The same problem at both widths said once, "at 1280 and 320 px"."""
    by_text: dict[str, list[str]] = {}
    for problem in problems:
        width, text = problem.split(": ", 1)
        by_text.setdefault(text, []).append(width.removeprefix("at ").removesuffix(" px"))
    return [f"at {' and '.join(widths)} px: {text}" for text, widths in by_text.items()]


def assert_page_ok(page, name: str, usernames=None) -> None:
    problems = check_page(page, name, usernames)
    assert not problems, f"{name} ({page.url}) has {len(problems)} problem(s):\n  " + "\n  ".join(problems)


SAME_FOR_EVERYONE = ("/login", "/accessibility")
AXE_URL = "/__page-checks/axe.js"  # served by with_axe() beside the app: the page's CSP allows its own scripts
_AUTO_CHECK = """(() => {
  if (window.top !== window || document.contentType !== 'text/html') return;
  const runAxe = %(run_axe)s, overflow = %(overflow)s, visibleText = %(text)s, service = %(service)s;
  const report = window.__sixgatesPageReport;
  const loadAxe = () => window.axe ? Promise.resolve() : new Promise((resolve, reject) => {
    const script = document.createElement('script');
    Object.assign(script, {src: %(axe_url)s, onload: resolve, onerror: reject});
    document.head.append(script);
  });
  addEventListener('load', () => {
    const url = location.pathname;
    window.__sixgatesAutoCheck = (async () => {
      if (await report({url, stage: 'start'})) return;  // this address was checked already
      await loadAxe();
      const violations = await runAxe(%(tags)s);
      await report({url, stage: 'done', violations, overflow: overflow(), texts: visibleText(%(verbatim)s),
                    service: service()});
    })().catch(error => report({url, stage: 'error', error: String(error)}));
  });
})();"""


def with_axe(app):
    """The WSGI app, plus axe-core at AXE_URL for the automatic checks (the app itself is unchanged)."""
    def serve(environ, start_response):
        if environ.get("PATH_INFO") != AXE_URL:
            return app(environ, start_response)
        body = AXE.read_bytes()
        start_response("200 OK", [("Content-Type", "text/javascript"), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "max-age=3600")])
        return [body]
    return serve


class PageRecorder:
    """Checks each page a browser context loads, in the page itself once it has loaded (at the context's width).

    Playwright's sync API forbids page calls in event handlers, so the page runs the checks and reports through
    a binding whose callback only records. Each address (path) is checked once. A page left before its check
    finished is listed in `unfinished`. The server must serve axe at AXE_URL (see with_axe).
    """

    def __init__(self, usernames=None, context=None, checked_for_all: set[str] | None = None):
        self.usernames = usernames
        self.context = context
        # Pages that are the same for everyone, checked once in all of a test's contexts (a set they share).
        self.checked_for_all = set() if checked_for_all is None else checked_for_all
        self.started: dict[str, None] = {}
        self.reports: dict[str, dict] = {}
        self.extra: dict[str, list[str]] = {}

    def add(self, where: str, problems: list[str]) -> None:
        """Problems found by an explicit check (a screenshot point), reported with the rest."""
        self.extra.setdefault(where, []).extend(problems)

    def check_unfinished(self) -> None:
        """Pages left before their check finished: load each again in a page of their own and check it there."""
        if self.context is None or not self.unfinished:
            return
        page = self.context.new_page()
        try:
            for url in self.unfinished:
                page.goto(url)
                self.reports[url] = {"stage": "checked again", "problems": check_width(page, self.usernames)}
        finally:
            page.close()

    def attach(self, context) -> None:
        script = _AUTO_CHECK % {"axe_url": json.dumps(AXE_URL), "run_axe": _RUN_AXE.replace(
            "if (window.__sixgatesAutoCheck) await window.__sixgatesAutoCheck.catch(() => null);", ""),
            "overflow": _OVERFLOW, "text": _VISIBLE_TEXT, "service": _SERVICE, "tags": json.dumps(WCAG_TAGS),
            "verbatim": json.dumps(VERBATIM)}
        context.expose_binding("__sixgatesPageReport", self._receive)
        context.add_init_script(script=script)

    def _receive(self, _source, report: dict) -> bool:
        url = report["url"]
        if report["stage"] == "start":
            if url in SAME_FOR_EVERYONE:
                if url in self.checked_for_all:
                    return True
                self.checked_for_all.add(url)
            seen = url in self.started
            self.started.setdefault(url, None)
            return seen
        self.reports[url] = report
        return True

    @property
    def unfinished(self) -> list[str]:
        return [url for url in self.started if url not in self.reports]

    def problems(self) -> dict[str, list[str]]:
        """Each checked address with its problems (addresses without problems left out)."""
        found = {}
        for url, report in self.reports.items():
            if report["stage"] == "error":
                lines = [f"the check could not run: {report['error']}"]
            elif report["stage"] == "checked again":  # left before the check finished: loaded again later
                lines = [f"{line} (page loaded again after the test)" for line in report["problems"]]
            else:
                lines = [*_axe_lines(report["violations"]), *_overflow_lines(report["overflow"]),
                         *_words_lines(report["texts"], self.usernames), *_service_lines(report["service"])]
            if lines:
                found[url] = lines
        for where, lines in self.extra.items():
            found.setdefault(where, []).extend(lines)
        return found


def path_of(url: str) -> str:
    """The address without scheme and host, as the checks name pages."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def describe(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}:\n  " + "\n  ".join(lines) for url, lines in problems.items())


def main(argv: list[str]) -> int:
    """Sign in and check each path; print the problems per page. Exit 1 if any page has problems."""
    if len(argv) < 4:
        print(__doc__)
        return 2
    base, username, password, *paths = argv
    from playwright.sync_api import sync_playwright
    failed = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(base_url=base.rstrip("/"), viewport={"width": 1280, "height": HEIGHT})
        page = context.new_page()
        if username != "-":
            page.goto("/login")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
        for path in paths:
            page.goto(path)
            name = "cli-" + (path.strip("/").replace("/", "_").replace("?", "_") or "root")
            problems = check_page(page, name)
            failed += bool(problems)
            print(f"{path} as {username}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  - {problem}")
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
