"""Every word in her language: the reasons the domain and the services give are translatable.

An AST scan over desktop/domain and desktop/services: an error a user may see (ValidationError,
InvalidTransition, any SchoolOfficeError subclass) must not carry a reason written as a plain
string literal or an f-string; it is marked with ``N_`` (``N_("… {name} …", name=…)``) or, when
it shows a number, ``Nn_`` (plural forms). A variable is followed to its assignments in the same
function. The catalogues carry no rule numbers, and every marked reason is translated into
Estonian and Slovenian.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from desktop.i18n import LANGUAGES, LOCALE_DIR, N_, Message, Nn_, translator
from desktop.i18n.__main__ import POT, is_translated, read_catalog

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"
SCANNED = ("domain", "services")
MARKERS = {"N_", "Nn_"}
# Which argument of an error's constructor carries the words a user reads.
BASE_ERRORS = {
    "ValidationError": (2, "reason"),
    "InvalidTransition": (3, "reason"),
    "SchoolOfficeError": (0, "message"),
}
RULE_NUMBER = re.compile(r"\bR\d+\b")
# The base errors' English str() (command line, log); the UI builds its own sentence from their
# fields (desktop/ui/messages.py describe), so their super().__init__ text is not scanned.
ENGLISH_ONLY = {
    "ValidationError",
    "ValidationErrors",
    "ConflictError",
    "PermissionDenied",
    "NotFound",
    "InvalidTransition",
    "Cancelled",
}


def error_classes() -> dict[str, tuple[int, str]]:
    """Every SchoolOfficeError subclass defined in desktop/, with its message argument.

    A subclass with its own ``__init__`` is checked where it calls ``super().__init__``; a
    constructor argument named ``message`` (or ``reason``) is the message otherwise.
    """
    classes = dict(BASE_ERRORS)
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PACKAGE.rglob("*.py"))]
    changed = True
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef) or node.name in classes:
                    continue
                bases = [
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                ]
                parent = next((b for b in bases if b in classes), None)
                if parent is None:
                    continue
                init = next(
                    (
                        f
                        for f in node.body
                        if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                    ),
                    None,
                )
                if init is None:
                    classes[node.name] = classes[parent]
                else:
                    names = [a.arg for a in init.args.args[1:]]
                    position = next(
                        (i for i, n in enumerate(names) if n in ("message", "reason")), None
                    )
                    classes[node.name] = (
                        (position, names[position]) if position is not None else (None, "")
                    )
                changed = True
    return classes


ERRORS = error_classes()


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


class Scanner(ast.NodeVisitor):
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []
        self.functions: list[ast.AST] = []
        self.classes: list[str] = []

    def visit_FunctionDef(self, node):
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Call(self, node: ast.Call):
        name = _name(node.func)
        if name in ERRORS:
            position, keyword = ERRORS[name]
            self._check_argument(node, position, keyword, name)
        elif (
            self._is_super_init(node)
            and self.classes
            and self.classes[-1] in ERRORS
            and self.classes[-1] not in ENGLISH_ONLY
        ):
            offset = 1 if isinstance(node.func.value, ast.Name) else 0  # Base.__init__(self, …)
            self._check_argument(node, offset, "", f"{self.classes[-1]} (super().__init__)")
        self.generic_visit(node)

    @staticmethod
    def _is_super_init(node: ast.Call) -> bool:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
            return False
        value = func.value
        is_super = isinstance(value, ast.Call) and _name(value.func) == "super"
        named = isinstance(value, ast.Name) and (value.id in ERRORS or value.id == "Exception")
        return is_super or named

    def _check_argument(self, node: ast.Call, position: int | None, keyword: str, what: str):
        argument = None
        if position is not None and len(node.args) > position:
            argument = node.args[position]
        for kw in node.keywords:
            if keyword and kw.arg == keyword:
                argument = kw.value
        if argument is not None and not self._marked(argument, depth=0):
            self.problems.append(
                f"{self.path.relative_to(PACKAGE.parent)}:{node.lineno}: {what} with an "
                f"unmarked reason: {ast.unparse(argument)[:80]}"
            )

    def _marked(self, expr: ast.expr, depth: int) -> bool:
        if isinstance(expr, ast.Constant):
            return not (isinstance(expr.value, str) and expr.value.strip())
        if isinstance(expr, ast.JoinedStr | ast.BinOp):
            return False
        if isinstance(expr, ast.IfExp):
            return self._marked(expr.body, depth) and self._marked(expr.orelse, depth)
        if isinstance(expr, ast.BoolOp):
            return all(self._marked(v, depth) for v in expr.values)
        if isinstance(expr, ast.Call):
            name = _name(expr.func)
            # N_/Nn_ are marked; str.format, join and str() are not; another helper's result
            # is (its own raises are scanned)
            return name in MARKERS or name not in ("format", "join", "str")
        if isinstance(expr, ast.Name) and depth < 3 and self.functions:
            values = [
                n.value
                for n in ast.walk(self.functions[-1])
                if isinstance(n, ast.Assign | ast.AnnAssign)
                and n.value is not None
                and any(
                    isinstance(t, ast.Name) and t.id == expr.id
                    for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                )
            ]
            return all(self._marked(v, depth + 1) for v in values)
        return True  # attributes, subscripts, parameters: marked where they were made


def scan(path: Path) -> list[str]:
    scanner = Scanner(path)
    scanner.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return scanner.problems


def scanned_files() -> list[Path]:
    return sorted(p for layer in SCANNED for p in (PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_error_reasons_are_marked_for_translation(path):
    problems = scan(path)
    assert not problems, "mark these with N_ / Nn_:\n" + "\n".join(problems)


def test_the_scanner_finds_plain_and_formatted_reasons(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(x):\n"
        "    raise ValidationError('a', x, 'is required')\n"
        "def g(x):\n"
        "    raise InvalidTransition('card', 's', 'extend', f'held by {x} (R21)')\n"
        "def h(x):\n"
        "    reason = 'plain'\n"
        "    raise ValidationError('a', x, reason)\n"
        "def ok(x):\n"
        "    reason = N_('is longer than {limit} characters', limit=3)\n"
        "    raise ValidationError('a', x, reason)\n"
        "def ok2(x, reason):\n"
        "    raise ValidationError('a', x, N_('is required') if x else reason)\n"
        "class Refused(SchoolOfficeError):\n"
        "    def __init__(self, who):\n"
        "        super().__init__(f'{who} may not')\n",
        encoding="utf-8",
    )
    sample_in_package = sample  # relative_to needs a path under the package's parent
    scanner = Scanner(sample_in_package)
    scanner.path = PACKAGE / "sample.py"
    ERRORS.setdefault("Refused", (None, ""))
    scanner.visit(ast.parse(sample.read_text(encoding="utf-8")))
    lines = sorted(int(p.split(":")[1]) for p in scanner.problems)
    assert lines == [2, 4, 7, 15]


def test_every_school_office_error_subclass_is_known():
    for name in ("ActivationRefused", "CodeRefused", "ContactRestricted", "NoVersionInForce"):
        assert name in ERRORS


# --- the catalogues ----------------------------------------------------------------------


def _catalog(lang: str | None):
    if lang is None:
        return read_catalog(POT)
    return read_catalog(LOCALE_DIR / lang / "LC_MESSAGES" / "school_office.po", lang)


def _texts(value) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if v]


@pytest.mark.parametrize("lang", [None, *LANGUAGES])
def test_no_rule_numbers_in_the_catalogues(lang):
    found = []
    for message in _catalog(lang):
        if not message.id:
            continue
        for text in _texts(message.id) + _texts(message.string):
            if RULE_NUMBER.search(text):
                found.append(text)
    assert not found, "rule numbers belong in code comments and tests:\n" + "\n".join(found)


def _scanned_msgids() -> list[str]:
    from desktop.i18n.__main__ import source_messages

    found = set()
    for layer in SCANNED:
        found.update(source_messages(PACKAGE / layer))
    return sorted(found)


@pytest.mark.parametrize("lang", ["et", "sl"])
def test_every_domain_and_service_message_is_translated(lang):
    po = _catalog(lang)
    missing = []
    for msgid in _scanned_msgids():
        entry = po.get(msgid)
        if entry is None or not is_translated(entry, po.num_plurals):
            missing.append(msgid)
    assert not missing, f"{lang}: translate these:\n" + "\n".join(missing)


def test_a_plural_reason_is_english_and_translatable():
    one = Nn_("the code is wrong; {n} attempt left", "the code is wrong; {n} attempts left", 1)
    four = Nn_("the code is wrong; {n} attempt left", "the code is wrong; {n} attempts left", 4)
    assert isinstance(four, Message)
    assert (one, four) == (
        "the code is wrong; 1 attempt left",
        "the code is wrong; 4 attempts left",
    )
    sl = translator("sl").gettext(four)
    assert "4" in sl and sl != str(four)
    assert translator("en").gettext(four) == str(four)


def test_a_marked_reason_is_translated_with_its_values():
    reason = N_("is longer than {limit} characters", limit=80)
    assert reason == "is longer than 80 characters"
    assert "80" in translator("et").gettext(reason)
    assert translator("et").gettext(reason) != reason
