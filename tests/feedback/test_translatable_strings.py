"""Texts of the customer-voice code reach the translators: makemessages (xgettext) does not look
inside f-strings, so a gettext call there is never extracted and stays English in Dutch."""

from __future__ import annotations

import ast
from pathlib import Path

import relata

GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext"}
PACKAGE = Path(relata.__file__).parent
# The customer-voice app and the scoring pages it feeds (the value dashboard, settings).
CHECKED = ("feedback", "scoring")


def _gettext_calls_in_fstrings(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id in GETTEXT_NAMES
            ):
                lines.append(inner.lineno)
    return lines


def test_the_check_finds_a_gettext_call_in_an_fstring() -> None:
    # given code with the mistake and code without it, then only the first is reported
    assert _gettext_calls_in_fstrings("x = f\"{a} {_('all channels')}\"\n") == [1]
    assert _gettext_calls_in_fstrings("label = _('all channels')\nx = f'{a} {label}'\n") == []


def test_no_gettext_call_hides_in_an_fstring() -> None:
    # given every module of the checked apps
    found = {
        f"{path.relative_to(PACKAGE)}:{line}"
        for app in CHECKED
        for path in sorted((PACKAGE / app).rglob("*.py"))
        for line in _gettext_calls_in_fstrings(path.read_text(encoding="utf-8"))
    }
    # then no translatable text is built inside an f-string
    assert not found, f"gettext inside an f-string (not extracted for translation): {found}"
