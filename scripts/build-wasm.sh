#!/usr/bin/env bash
# Builds the wasm engine into js/wasm/ (npm run build). Idempotent bootstrap: installs the
# wasm32 target and wasm-bindgen-cli (at exactly the wasm-bindgen version in Cargo.lock) when
# missing, builds with the wasm-release profile (opt-level s, fat LTO; +simd128 comes from
# .cargo/config.toml), runs wasm-bindgen --target web, then wasm-opt from the npm `binaryen`
# package if it is installed. Prints the wasm size.
#
# `bash scripts/build-wasm.sh --tools` only installs the tools (used by scripts/test-wasm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*"; }

if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the library exactly (its schema version is checked).
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$version" ] || { echo "no wasm-bindgen in Cargo.lock"; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
  say "cargo install wasm-bindgen-cli $version (a few minutes, once)"
  # --locked first; one of its pinned dependencies may be missing from the registry, then
  # resolve afresh.
  cargo install wasm-bindgen-cli --version "$version" --locked \
    || cargo install wasm-bindgen-cli --version "$version"
fi

[ "${1:-}" = --tools ] && exit 0

say "cargo build (wasm32, profile wasm-release)"
cargo build --locked --profile wasm-release --target wasm32-unknown-unknown -p bigedit-wasm
target_dir=${CARGO_TARGET_DIR:-target}
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/bigedit_wasm.wasm"

say "wasm-bindgen --target web --out-dir js/wasm"
rm -rf js/wasm
wasm-bindgen --target web --out-dir js/wasm "$wasm"

out=js/wasm/bigedit_wasm_bg.wasm
opt=node_modules/.bin/wasm-opt
if [ -x "$opt" ]; then
  say "wasm-opt -Os (npm binaryen)"
  "$opt" -Os --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out" -o "$out.opt" && mv "$out.opt" "$out"
fi
bytes=$(stat -c %s "$out")
gz=$(gzip -9 -c "$out" | wc -c)
echo "wasm size: $bytes bytes ($((bytes / 1024)) KiB), gzip -9: $gz bytes ($((gz / 1024)) KiB)"
