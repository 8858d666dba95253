#!/usr/bin/env bash
# Builds the native 4-bit kernel (int4dot.c, NativeInt4Dot) into the jar's classes: build.sh JAVA_HOME OUT_DIR.
# Off x86-64 Linux or without gcc it builds nothing and the job uses the Java kernel; a compile error fails.
set -euo pipefail
java_home="$1"
out_dir="$2"
src="$(cd "$(dirname "$0")" && pwd)/int4dot.c"
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "native 4-bit kernel: not built (not x86-64 Linux); the Java kernel is used"
  exit 0
fi
if ! command -v gcc >/dev/null; then
  echo "native 4-bit kernel: not built (no gcc); the Java kernel is used"
  exit 0
fi
out="$out_dir/libagentrouter-int4.so"
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
  exit 0
fi
mkdir -p "$out_dir"
# No -mavx2: the kernel asks for AVX2 per function, so the library also loads (and says no) on older CPUs.
gcc -O3 -shared -fPIC -Wall -I"$java_home/include" -I"$java_home/include/linux" -o "$out" "$src"
echo "native 4-bit kernel: built $out"
