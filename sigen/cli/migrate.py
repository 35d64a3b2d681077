"""placeholder"""
from typing import Any


def add_commands(sub: Any, formats: Any) -> None:
    pass
def run(args: Any, roles_dir: Any) -> int:
    return 0
