#!/usr/bin/env bash
# Builds the native scan kernels (quantized_dot.c: NativeInt4Dot, NativeInt2Dot) into the jar's classes:
# build.sh JAVA_HOME OUT_DIR. Off x86-64 Linux or without gcc it builds nothing and the job uses the Java
# kernels; a compile error fails the build.
set -euo pipefail
java_home="$1"
out_dir="$2"
src="$(cd "$(dirname "$0")" && pwd)/quantized_dot.c"
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "native scan kernels: not built (not x86-64 Linux); the Java kernels are used"
  exit 0
fi
if ! command -v gcc >/dev/null; then
  echo "native scan kernels: not built (no gcc); the Java kernels are used"
  exit 0
fi
out="$out_dir/libagentrouter-dot.so"
if [ -f "$out" ] && [ "$out" -nt "$src" ]; then
  exit 0
fi
mkdir -p "$out_dir"
# No -mavx2: the kernels ask for AVX2 per function, so the library also loads (and says no) on older CPUs.
gcc -O3 -shared -fPIC -Wall -I"$java_home/include" -I"$java_home/include/linux" -o "$out" "$src"
echo "native scan kernels: built $out"
