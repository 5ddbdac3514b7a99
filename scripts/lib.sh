# Shared helpers of the project scripts (sourced, not run).
find_python() {
  # find_python 3.12 -> path of a working python3.12 (PATH, pyenv, /usr/bin)
  local v="$1" c
  for c in "python$v" "$HOME/.pyenv/versions/$v"*/bin/"python$v" /root/.pyenv/versions/"$v"*/bin/"python$v" "/usr/bin/python$v" "/usr/local/bin/python$v"; do
    if [ -x "$(command -v "$c" 2>/dev/null || echo "$c")" ] && "$c" --version >/dev/null 2>&1; then
      command -v "$c" 2>/dev/null || echo "$c"; return 0
    fi
  done
  return 1
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  echo "installing Chromium (Debian package) for the admin browser tests..." >&2
  local sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq >&2 && $sudo_cmd apt-get install -y -qq chromium >&2
}
