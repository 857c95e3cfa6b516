"""Checks of the code inside diagrams: Python the sandbox accepts, not JUEL or FEEL, timers that parse.

Each function answers with one sentence a process owner can act on, or None when the code is fine.
SpiffWorkflow evaluates every expression as Python, so code written for Camunda (JUEL, FEEL) is named
as such with a Python example instead of a bare syntax error.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime

from engine import spiff
from engine.sandbox import UnsafeCode, check_code
from engine.sandbox.parsing import parse

JUEL = "JUEL (Camunda 7's expression language)"
FEEL = "FEEL (the expression language of DMN and Camunda 8)"
XPATH = "XPath (the BPMN standard's default expression language)"
_LANGUAGES = (("juel", JUEL), ("feel", FEEL), ("javascript", "JavaScript"), ("ecmascript", "JavaScript"),
              ("groovy", "Groovy"), ("jruby", "Ruby"), ("jython", "Jython"), ("xquery", "XQuery"))
_EXAMPLE = "amount > 1000"
TIMER_WORDS = {"timeDate": ("the timer date", "date and time", '"2026-01-31T09:00:00+00:00"'),
               "timeDuration": ("the timer duration", "duration", '"P10D" or "PT4H"'),
               "timeCycle": ("the timer cycle", "repeating interval", '"R3/PT1H"')}
_BARE_ISO = re.compile(r"R\d*/\S+|P(?:\d|T\d)\S*|\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?(?:Z|[+-]\d{2}:?\d{2})?", re.I)
_SINGLE_EQUALS = re.compile(r"(?<![<>!=])=(?!=)")
MAX_CODE_CHARACTERS = 10_000


def language_named(value: str | None) -> str | None:
    """The foreign language an expressionLanguage, typeLanguage or scriptFormat value names, or None.

    Python, and the XPath/XML Schema defaults modelling tools write on every file, give None.
    """
    lowered = (value or "").lower()
    for needle, language in _LANGUAGES:
        if needle in lowered:
            return language
    return "JavaScript" if lowered in {"js", "text/js"} else None


def code_problem(text: str, mode: str, *, what: str) -> str | None:
    """Why `text` (a condition, script, ...) cannot run here; `what` names it, e.g. "the condition"."""
    if len(text) > MAX_CODE_CHARACTERS:
        return f"{what} is {len(text):,} characters long; diagram code may be at most {MAX_CODE_CHARACTERS:,}"
    foreign = _foreign(text)
    if foreign is not None:
        return _foreign_message(what, text, *foreign)
    try:
        check_code(text, mode)
    except UnsafeCode as exc:
        if mode == "eval" and not _parses(text) and _SINGLE_EQUALS.search(text):
            return _foreign_message(what, text, FEEL, _pythonish(_SINGLE_EQUALS.sub("==", text)))
        if str(exc).startswith("is not valid Python"):
            return f"{what} {_quoted(text)} {exc}"
        return f"{what} {exc}"
    return None


def timer_problem(text: str, kind: str) -> str | None:
    """A timer is a Python expression giving ISO 8601 text: `"P10D"` with the quotes, or a variable."""
    what, noun, example = TIMER_WORDS[kind]
    text = text.strip()
    if len(text) > MAX_CODE_CHARACTERS:
        return code_problem(text, "eval", what=what)
    if _foreign(text) is None and _BARE_ISO.fullmatch(text):
        return (f"{what} {text} is ISO 8601 text, but timers are Python expressions; "
                f'write it as a Python string with the quotes: "{text}"')
    try:
        value = ast.literal_eval(text)
    except Exception:  # noqa: BLE001 - not a literal: an expression, checked below
        return code_problem(text, "eval", what=what)
    if not isinstance(value, str):
        return f"{what} {_short(text)} is not text; write the {noun} as a Python string such as {example}"
    if not _timer_parses(value, kind):
        return f"{what} {_quoted(value)} is not a valid ISO 8601 {noun}; write one such as {example}"
    return None


def dmn_cell_problem(text: str, kind: str) -> str | None:
    """A decision table cell: inputExpression, inputEntry (a test of the input) or outputEntry."""
    what = {"inputEntry": "the rule's condition", "outputEntry": "the rule's result",
            "inputExpression": "the input expression"}[kind]
    text = text.strip()
    if not text or (kind == "inputEntry" and text == "-"):
        return None
    if len(text) > MAX_CODE_CHARACTERS:
        return code_problem(text, "eval", what=what)
    foreign = _foreign(text) or (_feel_test(text) if kind == "inputEntry" else None)
    if foreign is not None:
        return _foreign_message(what, text, *foreign)
    if kind != "inputEntry":
        return code_problem(text, "eval", what=what)
    source = _input_placeholder(text)
    if "dmninputexpr" not in source and not _parses(source):
        source = f"dmninputexpr {source}"  # "> 10" tests the input, as SpiffWorkflow reads it
    return code_problem(source, "eval", what=what)


def _input_placeholder(text: str) -> str:
    """Each ? outside quotes stands for the input, as SpiffWorkflow's DMNEngine reads it (there by a regex
    that looks ahead for an even number of quotes; counted here from the end, in one pass)."""
    out, quotes = [], 0
    for char in reversed(text):
        out.append("dmninputexpr" if char == "?" and quotes % 2 == 0 else char)
        quotes += char in "'\""
    return "".join(reversed(out))


def _foreign(text: str) -> tuple[str, str | None] | None:
    """(language, a Python version or None) when the code is JUEL or FEEL."""
    text = text.strip()
    juel = re.fullmatch(r"[$#]\{(.*)\}", text, re.S)
    if juel:
        return JUEL, _pythonish(juel.group(1))
    if re.search(r"[$#]\{", text):
        return JUEL, None
    if text.startswith("=") and not text.startswith("=="):
        return FEEL, _pythonish(_SINGLE_EQUALS.sub("==", text[1:]))
    if re.search(r"\bbpmn:get\w+\(", text):
        return XPATH, None
    if re.search(r"\bdate and time\(|\bduration\(\"", text):
        return FEEL, None
    return None


def _feel_test(text: str) -> tuple[str, str | None] | None:
    """FEEL unary tests in a rule's condition: ranges, not(...), lists of values."""
    bounds = re.fullmatch(r"([\[\(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\]\)\[])", text)
    if bounds:
        low = "<=" if bounds.group(1) == "[" else "<"
        high = "<=" if bounds.group(4) == "]" else "<"
        return FEEL, f"{bounds.group(2)} {low} ? {high} {bounds.group(3)}"
    negated = re.fullmatch(r"not\s*\((.*)\)", text, re.S)
    if negated:
        return FEEL, f"not in ({negated.group(1)},)" if "," in negated.group(1) else f"!= {negated.group(1)}"
    try:
        tree = parse(text, mode="eval")
    except SyntaxError:
        return None
    if isinstance(tree.body, ast.Tuple) and not text.startswith("("):
        return FEEL, f"in ({text})"  # Python would compare the input with the whole tuple
    return None


def _foreign_message(what: str, text: str, language: str, python: str | None) -> str:
    return f"{what} {_quoted(text)} is written in {language}; Six Gates evaluates Python, e.g. {python or _EXAMPLE}"


def _pythonish(text: str) -> str | None:
    """JUEL or FEEL operators in Python spelling, when the result is valid Python."""
    python = text.strip()
    for pattern, replacement in ((r"&&", " and "), (r"\|\|", " or "), (r"!(?!=)", " not "), (r"\beq\b", "=="),
                                 (r"\bne\b", "!="), (r"\blt\b", "<"), (r"\bgt\b", ">"), (r"\ble\b", "<="),
                                 (r"\bge\b", ">="), (r"\bempty\b", "not "), (r"\btrue\b", "True"),
                                 (r"\bfalse\b", "False"), (r"\bnull\b", "None")):
        python = re.sub(pattern, replacement, python)
    python = re.sub(r"\s+", " ", python).strip()
    return python if python and _parses(python) else None


def _parses(source: str) -> bool:
    try:
        parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _timer_parses(value: str, kind: str) -> bool:
    """As SpiffWorkflow's timer event definitions read the value (see its timer.py)."""
    try:
        if kind == "timeDuration":
            spiff.parse_duration(value)
        elif kind == "timeDate":
            _time_or_duration(value)
        else:
            _cycle(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception for a bad duration
        return False
    return True


def _time_or_duration(value: str) -> object:
    if value.upper().startswith("P"):
        return spiff.parse_duration(value)
    week = re.fullmatch(r"(\d{4})W(\d{2})(\d)(T.+)?", value.upper().replace("-", ""))
    if week:
        return datetime.fromisocalendar(int(week.group(1)), int(week.group(2)), int(week.group(3)))
    return datetime.fromisoformat(value)


def _cycle(value: str) -> None:
    parts = value.upper().replace("--", "/").split("/")
    if not parts[0].startswith("R") or len(parts) not in (2, 3) or not re.fullmatch(r"\d*", parts[0][1:]):
        raise ValueError(value)
    dates = [isinstance(_time_or_duration(part), datetime) for part in parts[1:]]
    if dates not in ([False], [True, False], [False, True]):
        raise ValueError(value)  # one duration, with a start or an end date at most


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(text: str) -> str:
    short = _short(text)
    return f"'{short}'" if '"' in short else f'"{short}"'
