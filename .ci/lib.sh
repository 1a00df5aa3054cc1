# Shared by the scripts in .ci/: make sure what the project needs is installed.
# shellcheck shell=bash

# Installs Debian packages that are missing (as root, or through sudo).
ensure_apt() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing ${missing[*]} ..."
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "error: please install these packages first: ${missing[*]}" >&2
            return 1
        fi
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_cargo() {
    if ! command -v cargo >/dev/null; then
        echo "error: Rust is not installed: install it from https://rustup.rs (Rust 1.85 or newer)" >&2
        return 1
    fi
}

# A Python virtual environment with the independent SCIM checker, pinned.
ensure_scim2_tester() {
    local venv="${SCIM2_VENV:-$HOME/.cache/scim-console/scim2-venv}"
    if [ ! -x "$venv/bin/scim2" ] || [ ! -x "$venv/bin/scim2-server" ]; then
        python3 -m venv --help >/dev/null 2>&1 || ensure_apt python3-venv
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q scim2-cli==0.6.0 scim2-tester==0.5.2 scim2-client==0.13.2 \
            scim2-models==0.12.3 scim2-server==0.8.3
    fi
    SCIM2="$venv/bin/scim2"
    # An independent SCIM server, for the tests of `scim-console check`.
    export SCIM2_SERVER="$venv/bin/scim2-server"
}

# The console's web UI (TypeScript, built by Vite into ui/dist, which the app embeds).
ensure_ui() {
    if ! command -v npm >/dev/null; then
        ensure_apt nodejs npm
    fi
    # Exactly what the committed lock file names; the tree stays as it was checked out.
    (cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}

# What the end-to-end tests of the app window need: a virtual display, WebKit's WebDriver and
# tauri-driver, which starts it for the app.
ensure_gui_test_tools() {
    ensure_apt xvfb xauth webkit2gtk-driver
    if ! command -v tauri-driver >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/tauri-driver" ]; then
        cargo install tauri-driver --locked --version 2.1.0 --quiet
    fi
}
