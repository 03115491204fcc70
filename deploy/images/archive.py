"""Writes a container image as a Docker image archive (what `docker save` writes and `ctr images
import` and `docker load` read) from layer tarballs made by deploy/images/build.sh.

    python3 archive.py OUT.tar NAME:TAG CONFIG.json LAYER.tar [LAYER.tar ...]

CONFIG.json holds the image's run settings (User, Env, Entrypoint, Cmd, WorkingDir,
ExposedPorts, Labels); the layers are uncompressed tarballs, lowest first. Standard library only:
it runs on the host's Python before any virtualenv exists.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
from pathlib import Path

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_archive(out: Path, ref: str, run_config: dict, layers: list[Path]) -> str:
    """Writes the archive and returns the image id (sha256 of its config)."""
    diff_ids = [sha256_of(layer) for layer in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": run_config,
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{d}" for d in diff_ids]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "deploy/images/build.sh"} for _ in layers],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    image_id = hashlib.sha256(config_bytes).hexdigest()
    manifest = [
        {
            "Config": f"{image_id}.json",
            "RepoTags": [ref],
            "Layers": [f"{d}/layer.tar" for d in diff_ids],
        }
    ]
    tmp = out.with_suffix(".partial")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, f"{image_id}.json", config_bytes)
        for layer, diff_id in zip(layers, diff_ids):
            info = tar.gettarinfo(str(layer), arcname=f"{diff_id}/layer.tar")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            with open(layer, "rb") as fh:
                tar.addfile(info, fh)
        _add_bytes(tar, "manifest.json", json.dumps(manifest).encode())
        repo, _, tag = ref.rpartition(":")
        _add_bytes(tar, "repositories", json.dumps({repo: {tag: diff_ids[-1]}}).encode())
    tmp.replace(out)
    return image_id


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def main(argv: list[str]) -> int:
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out, ref, config_path, *layers = argv
    run_config = json.loads(Path(config_path).read_text())
    image_id = write_archive(Path(out), ref, run_config, [Path(p) for p in layers])
    print(f"sha256:{image_id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
