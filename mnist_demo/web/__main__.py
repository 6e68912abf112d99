"""python -m mnist_demo.web [streamlit options]: serve the app, printing the teacher link and the students' address
first (as Jupyter prints its token). `make run` runs this."""

from __future__ import annotations

import os
import secrets
import sys

from mnist_demo.paths import ROOT
from mnist_demo.web.address import student_url
from mnist_demo.web.rerun_race import version_problem
from mnist_demo.web.state import TEACHER_CODE_ENV


def option(args: list[str], name: str, default: str) -> str:
    for i, arg in enumerate(args):
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
        if arg == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
    return default


def main(args: list[str]) -> None:
    problem = version_problem()
    if problem:
        sys.exit(f"error: {problem}")
    code = os.environ.get(TEACHER_CODE_ENV, "").strip() or secrets.token_urlsafe(6)
    os.environ[TEACHER_CODE_ENV] = code
    port = option(args, "server.port", "8501")
    students = student_url(port)
    print(f"\n  Students open:  {students}\n  Teacher link:   {students.rstrip('/')}/?teacher={code}\n"
          f"  (on this machine, http://localhost:{port}/ is the teacher without a code)\n", flush=True)
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "streamlit", "run", "app.py", *args])


if __name__ == "__main__":
    main(sys.argv[1:])
