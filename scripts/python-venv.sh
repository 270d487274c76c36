# Sourced by the scripts that need a Python virtualenv: `python_venv DIR` installs python3 with
# its venv module when missing (apt-get, as root) and creates the virtualenv DIR when missing.
python_venv() {
  if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv) >/dev/null
    else
      echo "python3 with the venv module is required (apt-get install python3-venv)"; exit 1
    fi
  fi
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' || { echo "Python 3.9 or later is required"; exit 1; }
  [ -x "$1/bin/python" ] || python3 -m venv "$1"
}
