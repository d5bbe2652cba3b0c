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
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
