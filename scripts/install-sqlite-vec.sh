#!/usr/bin/env bash
# Fetches sqlite-vec's loadable extension (vec0) for this machine into native/<os>-<arch>/.
# operators/pom.xml packs ../native into the operators jar, and VecExtension extracts it from there
# at runtime, so only the build machine needs to run this. Safe to run again: it does nothing when
# the library is already in place.
set -euo pipefail

SQLITE_VEC_VERSION="${SQLITE_VEC_VERSION:-0.1.9}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The directory names must match what VecExtension derives from Java's os.name / os.arch.
case "$(uname -s)" in
  Linux)  os=linux;  npm_os=linux;  ext=so ;;
  Darwin) os=darwin; npm_os=darwin; ext=dylib ;;
  *) echo "install-sqlite-vec: unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64)  arch=x86_64;  npm_arch=x64 ;;
  aarch64|arm64) arch=aarch64; npm_arch=arm64 ;;
  *) echo "install-sqlite-vec: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

target_dir="$repo_root/native/$os-$arch"
target="$target_dir/vec0.$ext"
if [[ -s "$target" ]]; then
  echo "sqlite-vec already installed: $target"
  exit 0
fi

package="sqlite-vec-$npm_os-$npm_arch@$SQLITE_VEC_VERSION"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
tar -xzf "$tarball" -C "$work"
if [[ ! -f "$work/package/vec0.$ext" ]]; then
  echo "install-sqlite-vec: $package has no vec0.$ext" >&2
  exit 1
fi

mkdir -p "$target_dir"
# Copy to a temporary name first so an interrupted run never leaves a truncated library behind.
cp "$work/package/vec0.$ext" "$target.part"
mv "$target.part" "$target"
echo "sqlite-vec $SQLITE_VEC_VERSION installed: $target"
