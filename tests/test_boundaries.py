"""Dependencies point one way, and the CLI's fast paths stay light."""

import subprocess
import sys

from .conftest import REPO

STORE_MODULES = sorted(
    "tinycrm.store." + p.stem
    for p in (REPO / "tinycrm" / "store").rglob("*.py")
    if p.stem != "__init__" and "formats" not in p.parts
)


def loaded_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


def test_store_never_imports_ui_libraries():
    imports = "\n".join(f"import {m}" for m in STORE_MODULES)
    imports += "\nimport tinycrm.store"
    assert len(STORE_MODULES) >= 8
    loaded = loaded_after(imports)
    assert not loaded & {"textual", "typer", "rich"}, loaded & {"textual", "typer", "rich"}


def test_store_source_has_no_ui_imports():
    for path in (REPO / "tinycrm" / "store").rglob("*.py"):
        text = path.read_text()
        for lib in ("textual", "typer", "rich"):
            assert f"import {lib}" not in text and f"from {lib}" not in text, path


def test_sql_lives_only_in_the_store():
    for path in (REPO / "tinycrm").rglob("*.py"):
        if "store" in path.relative_to(REPO / "tinycrm").parts:
            continue
        text = path.read_text()
        assert ".execute(" not in text and "db[" not in text, path


def _modules_for(args: list[str], tmp_path) -> set[str]:
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['tinycrm', '--db', {str(tmp_path / 'x.db')!r}, *{args!r}]\n"
        "try:\n    runpy.run_module('tinycrm', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('@@' + ' '.join(sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("@@")][0]
    return {m.split(".")[0] for m in line[2:].split()}


def test_help_and_list_import_neither_textual_nor_keyring(tmp_path):
    for args in (["--help"], ["list"]):
        loaded = _modules_for(args, tmp_path)
        assert "tinycrm" in loaded
        assert "textual" not in loaded and "keyring" not in loaded, args
