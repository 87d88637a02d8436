"""Known vulnerabilities in the locked dependencies, with pip-audit.

    .venv/bin/python scripts/audit.py            # run by scripts/test.sh, so by CI

pip-audit asks a vulnerability database about every pinned package of requirements.lock
(PyPI's JSON API first, then OSV). Exit codes:

- 0: every package was audited and none has a known vulnerability; or the database could
  not be reached at all, which is said plainly ("NOT AUDITED"), since a machine that
  reaches only a package mirror cannot know;
- 1: a known vulnerability (each is printed with the version that fixes it), only some
  packages could be audited (the others are listed), or pip-audit itself failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
SERVICES = ("pypi", "osv")


# What pip-audit prints when the service cannot be reached (it then writes no report).
UNREACHABLE = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out")


class AuditFailed(Exception):
    pass


class Unreachable(Exception):
    pass


def audit(service: str) -> dict:
    """pip-audit's JSON report from one service (unreachable packages carry a skip_reason)."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(LOCK),
            "--require-hashes",
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--progress-spinner=off",
            "--timeout=20",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if any(sign in result.stderr for sign in UNREACHABLE):
            raise Unreachable(f"{service}: unreachable ({last[:160]})") from None
        raise AuditFailed(f"pip-audit with {service} failed: {last}") from None


def main() -> int:
    for service in SERVICES:
        try:
            report = audit(service)
        except Unreachable as error:
            print(f"audit: {error}")
            continue
        except AuditFailed as error:
            print(f"audit: {error}")
            return 1
        dependencies = report.get("dependencies", [])
        skipped = [d for d in dependencies if d.get("skip_reason")]
        audited = [d for d in dependencies if not d.get("skip_reason")]
        if not audited:
            print(f"audit: {service}: none of {len(dependencies)} packages could be audited.")
            continue
        vulnerable = [d for d in audited if d.get("vulns")]
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                print(f"audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixed})")
        for dep in skipped:
            print(
                f"audit: {dep['name']} {dep.get('version', '?')} not audited: {dep['skip_reason']}"
            )
        print(
            f"audit: {service}: {len(audited)} packages audited, {len(vulnerable)} with known "
            f"vulnerabilities, {len(skipped)} not audited."
        )
        return 1 if vulnerable or skipped else 0
    print(
        "audit: NOT AUDITED: no vulnerability database ("
        + ", ".join(SERVICES)
        + ") could be reached from this machine; run scripts/audit.py where one can be."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
