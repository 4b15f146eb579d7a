"""The `differential` test end to end: database, chains, both runners, comparison.

usage: run_differential.py DORM_RUNNER [OUT_DIR]
Exit codes: 0 agreement (known failures aside), 1 disagreement or a broken runner,
77 (meson's "skipped") when Django is not installed, unless CI=true, where that fails.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def require_django():
    try:
        import django
    except ImportError:
        msg = (f"differential: Django is not installed for {sys.executable} "
               "(apt-get install python3-django)")
        in_ci = os.environ.get("CI", "").lower() == "true"
        print(msg + ("" if in_ci else "; skipped"), file=sys.stderr)
        sys.exit(1 if in_ci else SKIP)
    if django.VERSION[:2] != (3, 2):
        print(f"differential: note: Django {django.get_version()}, the reference is 3.2",
              file=sys.stderr)


# The scripts live in the source tree: no __pycache__ there.
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")


def step(*argv):
    """Runs one step; a step that fails fails the test with its own message."""
    r = subprocess.run(list(argv), env=ENV)
    if r.returncode != 0:
        print(f"differential: step failed ({r.returncode}): {' '.join(argv)}", file=sys.stderr)
        sys.exit(1)


def script(name):
    return os.path.join(HERE, name)


def main():
    require_django()
    runner = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "differential-out")
    os.makedirs(out, exist_ok=True)
    db, chains = os.path.join(out, "diff.sqlite3"), os.path.join(out, "chains.json")
    django_out, dorm_out = os.path.join(out, "django.json"), os.path.join(out, "dorm.json")
    py = sys.executable
    step(py, script("make_db.py"), db)
    step(py, script("gen_chains.py"), chains)
    step(py, script("django_runner.py"), db, chains, django_out)
    step(runner, db, chains, dorm_out)
    r = subprocess.run([py, script("compare.py"), chains, django_out, dorm_out,
                        script("known_failures.json")], env=ENV)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
