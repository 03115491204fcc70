"""Generate the Python code for protos/ into a target folder (default: libs/contracts/src).

`make protos` writes the committed code; `--check` generates into a temporary folder and
fails when the committed code differs, so a .proto change never ships without its code.
"""

from __future__ import annotations

import argparse
import filecmp
import pathlib
import shutil
import sys
import tempfile

from grpc_tools import protoc
import grpc_tools

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
TARGET = ROOT / "libs" / "contracts" / "src"
PACKAGE = "citizenoffice"


def generate(out: pathlib.Path) -> None:
    files = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for folder in [out / PACKAGE, *(p for p in (out / PACKAGE).rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()


def differences(a: pathlib.Path, b: pathlib.Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out = [f"only in committed: {n}" for n in cmp.left_only]
    out += [f"missing from committed: {n}" for n in cmp.right_only]
    out += [f"differs: {n}" for n in cmp.diff_files]
    for name, sub in cmp.subdirs.items():
        out += [f"{name}/{d}" for d in differences(a / name, b / name)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    opts = parser.parse_args()
    if not opts.check:
        shutil.rmtree(TARGET / PACKAGE, ignore_errors=True)
        generate(TARGET)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(pathlib.Path(tmp))
        diff = differences(TARGET / PACKAGE, pathlib.Path(tmp) / PACKAGE)
    if diff:
        print("generated code is stale; run `make protos`:\n  " + "\n  ".join(diff))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
