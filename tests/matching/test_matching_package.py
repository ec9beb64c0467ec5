"""`import matching` loads its parts on first use; every public name is still there."""

import json
import subprocess
import sys

import matching


def test_every_public_name_resolves() -> None:
    assert sorted(matching.__all__) == sorted(matching._HOME)
    for name in matching.__all__:
        assert getattr(matching, name) is getattr(sys.modules[matching._HOME[name]], name)


def test_reading_a_document_loads_no_numeric_stack() -> None:
    code = (
        "import json, sys, matching\n"
        'matching.load_document(\'{"positions": [], "candidates": []}\')\n'
        "print(json.dumps(sorted(m for m in ('numpy', 'scipy', 'sklearn') if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout) == []
