"""The CLI's help in the terminal's language (docs/i18n.md).

Each command's help and each of its options' help is a catalogue message whose key is the
command's path: ``cli.help.seedtrail.policy.impact`` for ``seedtrail policy impact``, and
``cli.help.seedtrail.policy.impact.--outcome`` for its ``--outcome`` option. The help written in
the code is the English original (a test checks the English catalogue agrees with it).
:func:`localize` puts each key's text in the reader's language into the command tree before it
runs (an option's prompt too: its key and ``.prompt``), with the few words Typer and Click print
around them (the panel titles, ``--help``). :func:`extract` is the Babel extractor ``babel.cfg``
names for ``cli/main.py``, so ``pybabel extract`` finds every key of the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from typer import rich_utils

from seedtrail import messages
from seedtrail.messages import N_

PREFIX = "cli.help"
#: Typer's words around the help (module globals of typer.rich_utils, read when it renders).
TYPER_WORDS = {
    "OPTIONS_PANEL_TITLE": N_("cli.help.panel.options"),
    "COMMANDS_PANEL_TITLE": N_("cli.help.panel.commands"),
    "ARGUMENTS_PANEL_TITLE": N_("cli.help.panel.arguments"),
    "ERRORS_PANEL_TITLE": N_("cli.help.panel.error"),
    "DEFAULT_STRING": N_("cli.help.default"),
    "REQUIRED_LONG_STRING": N_("cli.help.required"),
}
HELP_OPTION = N_("cli.help.option.help")
PROMPT = ".prompt"  # an option's prompt: its help key and this


def key(path: list[str], param: Any = None) -> str:
    """The key of a command's help (``param`` None) or of one of its parameters' help: an option
    by its long flag (``--change-id``), an argument by its name in capitals (``FILE``), so
    neither can meet a sub-command's name."""
    if param is None:
        return ".".join([PREFIX, *path])
    opts = (
        getattr(param, "opts", None) if getattr(param, "param_type_name", "") == "option" else None
    )
    name = max(opts, key=len) if opts else str(param.name).upper()
    return ".".join([PREFIX, *path, name])


def helped(command: Any, path: list[str] | None = None) -> Iterator[tuple[str, Any]]:
    """Every (key, object with a ``help``) of the command tree: commands, options, arguments.
    The ``--help`` option, which every command shares, is not among them."""
    path = path or [command.name or "seedtrail"]
    yield key(path), command
    for param in command.params:
        if hasattr(param, "help"):
            yield key(path, param), param
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from helped(sub, [*path, name])


def localize(command: Any, lang: str) -> None:
    """Put the help of ``command``'s tree in ``lang``, where the catalogue has it."""
    for name, word in TYPER_WORDS.items():
        setattr(rich_utils, name, messages.translate(lang, word).replace("{value}", "{}"))
    help_text = messages.translate(lang, HELP_OPTION)
    for found, obj in helped(command):
        if obj.help and messages.has(lang, found):
            obj.help = messages.translate(lang, found)
        if getattr(obj, "prompt", None) and messages.has(lang, found + PROMPT):
            obj.prompt = messages.translate(lang, found + PROMPT)
        if hasattr(obj, "get_help_option"):
            option = obj.get_help_option(obj.context_class(obj))
            if option is not None:
                option.help = help_text


def extract(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[Any]:
    """Babel extraction for ``cli/main.py``: its messages, then every help key of the tree."""
    import typer.main
    from babel.messages.extract import extract_python

    from seedtrail.cli.main import app

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for found, obj in helped(typer.main.get_command(app)):
        if obj.help:
            yield 1, None, found, []
        if getattr(obj, "prompt", None):
            yield 1, None, found + PROMPT, []
