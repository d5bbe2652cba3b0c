"""The `relata` console script: every Django management command is `relata <command>`."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relata.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["relata", *argv])
    # `relata demo-data` runs the command module demo_data (Python names cannot hold '-').
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    # What a command changes is recorded in the audit trail as done from the command line by
    # the operating-system user (decision 0970); only the command's name, not its arguments.
    from relata.audit.origin import CLI, origin

    command = args[1] if len(args) > 1 and not args[1].startswith("-") else ""
    with origin(CLI, actor_name=f"cli:{_os_user()}", user_agent=f"relata {command}".strip()):
        execute_from_command_line(args)


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (e.g. a bare container user)
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


if __name__ == "__main__":
    main()
