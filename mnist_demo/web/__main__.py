"""python -m mnist_demo.web [streamlit options]: serve the app (server.py: app.py's pages behind the teacher's door),
printing the students' address and the teacher link first (as Jupyter prints its token). `make run` runs this."""

from __future__ import annotations

import os
import secrets
import sys

from mnist_demo.paths import ROOT
from mnist_demo.web.address import PUBLIC_URL_ENV, student_urls
from mnist_demo.web.rerun_race import version_problem
from mnist_demo.web.teacher import TEACHER_CODE_ENV


def option(args: list[str], name: str, default: str) -> str:
    for i, arg in enumerate(args):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
    return default


def banner(students: list[str], code: str, port: str) -> str:
    """What make run prints first: the students' address (others this machine has under it), the teacher link."""
    if not students:
        return (f"\n  Students: this machine has no network address (only loopback). Connect it to the class's network "
                f"and start again, or set {PUBLIC_URL_ENV}.\n  Teacher:  http://localhost:{port}/\n")
    others = "".join(f"\n{'or:':>16}  {url}" for url in students[1:])
    return (f"\n  Students open:  {students[0]}{others}\n  Teacher link:   {students[0].rstrip('/')}/?teacher={code}\n"
            f"  (on this machine, http://localhost:{port}/ is the teacher without a code)\n")


def main(args: list[str]) -> None:
    problem = version_problem()
    if problem:
        sys.exit(f"error: {problem}")
    code = os.environ.get(TEACHER_CODE_ENV, "").strip() or secrets.token_urlsafe(6)
    os.environ[TEACHER_CODE_ENV] = code
    port = option(args, "server.port", "8501")
    print(banner(student_urls(port), code, port), flush=True)
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", "server.py", *args])


if __name__ == "__main__":
    main(sys.argv[1:])
