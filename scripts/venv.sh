#!/usr/bin/env bash
# Create or refresh a virtualenv with django-momo and its dev tools.
# Usage: scripts/venv.sh VENV_DIR PYTHON "DJANGO_SPEC"   (prints nothing on success but the path)
# Reinstalls only when pyproject.toml or the Django spec changed (a stamp file remembers).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$1"; python="$2"; django_spec="$3"
stamp="$venv/.django-momo-stamp"
want="$(cat "$here/pyproject.toml" "$0" | sha256sum | cut -c1-16) $django_spec"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  echo "$venv"; exit 0
fi
if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found (install it, e.g. with pyenv)" >&2; exit 1
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip() { "$venv/bin/python" -m pip -q --disable-pip-version-check "$@"; }
pip install -U "pip>=25.1" >&2
# The project itself (editable) with every dependency group, then the Django line under test.
(cd "$here" && pip install -e ".[db-worker,openapi]" --group dev "$django_spec" >&2)
if "$venv/bin/python" -c 'import django,sys; sys.exit(django.VERSION >= (6,0))'; then
  pip install "django-tasks>=0.12" >&2
fi
echo "$want" > "$stamp"
echo "$venv"
