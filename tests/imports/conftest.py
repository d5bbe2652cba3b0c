from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import CustomerFactory, ProductFactory


@dataclass
class Run:
    ok: bool
    out: str
    err: str


def run_command(name: str, *args: str) -> Run:
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return Run(False, out.getvalue(), err.getvalue() + str(exc))
    return Run(True, out.getvalue(), err.getvalue())


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def run_import() -> Callable[..., Run]:
    def run(kind: str, path: Path, *options: str) -> Run:
        return run_command("import", kind, str(path), "--no-progress", *options)

    return run


@pytest.fixture
def shop(db: None) -> dict[str, object]:
    """Two customers and two products to hang orders and contact moments on."""
    return {
        "k1": CustomerFactory(customer_number="K001", email="jan@example.nl"),
        "k2": CustomerFactory(customer_number="K002", email="piet@example.nl"),
        "coffee": ProductFactory(sku="COF", name="Coffee", price="12.50", unit_cost="7.00"),
        "tea": ProductFactory(sku="TEA", name="Tea", price="3.95", unit_cost="1.00"),
    }
