#!/usr/bin/env bash
# What a user gets from `npm install neuroblas`, checked end to end (.ci/run runs it; so can a developer):
# packs the tarball, installs it into empty directories OFFLINE and with NO COMPILER ON PATH (no g++/cc/make/
# python3), and checks that
#   1. with the prebuild: the install succeeds, the prebuild (not a source build) is what loads, ldd on it lists
#      no libopenblas/libgfortran, and a 2-epoch digits training through the installed package runs on native;
#   2. on a machine the prebuild is not for (arm64, old glibc, musl: faked with test/install/fake-host.mjs), the
#      loader does not load it and says so in one warning line with the fix, and the training runs on js;
#   3. without the prebuild: the install still exits 0 and prints one line (the source build is impossible
#      here), and the training runs on js, printing the loader's one-line reason;
#   4. the same with install scripts not run at all (`--ignore-scripts`, or npm's allowScripts policy denying
#      neuroblas): the training still runs on js with the same reason.
# The training is the package's CLI (`neuroblas train --data digits --epochs 2 --json`) when the package has a
# `bin`, else test/install/train-digits.mjs. Needs dist/ and the prebuild: builds them when missing.
# Prints PASS/FAIL per check, the sizes and the install time, and ends with "pack-install: N passed, N failed";
# exits non-zero when a check failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/test/install

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
failure() { echo "FAIL $1"; shift; for l in "$@"; do echo "     $l"; done; failed=$((failed + 1)); }
finish() { echo "pack-install: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

[ -f dist/index.js ] || npm run build:ts >/dev/null || { failure "npm run build:ts"; finish; }
prebuild=prebuilds/linux-x64/neuroblas.glibc.node
# Built when missing or older than a native source (the check npm pack makes before packing).
bash scripts/prebuild.sh --check >/dev/null 2>&1 || npm run build:prebuild || { failure "npm run build:prebuild"; finish; }

work=$(mktemp -d /tmp/neuroblas-pack.XXXXXX)
# KEEP_WORK=1 keeps the directories and logs for a look after a failure.
[ -n "${KEEP_WORK:-}" ] && echo "work directory: $work" || trap 'rm -rf "$work"' EXIT

# --- the tarballs: as packed, and the same without prebuilds/ -------------------------------------------------
tgz=$work/$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -1)
# (the listing goes to a file: `tar | grep -q` fails under pipefail when grep stops reading early)
[ -f "$tgz" ] && tar -tzf "$tgz" > "$work/contents.txt"
if [ -f "$tgz" ] && grep -q "^package/$prebuild$" "$work/contents.txt"; then
  pass "npm pack: $(basename "$tgz") contains $prebuild"
else
  failure "npm pack did not produce a tarball with $prebuild" "$(ls "$work")"; finish
fi
bad=$(grep -Ev '^package/(dist/|bin/|prebuilds/|native/|binding\.gyp$|scripts/install\.cjs$|package\.json$|README\.md$|LICENSE)' "$work/contents.txt")
if [ -z "$bad" ]; then pass "the tarball holds only dist/ bin/ prebuilds/ native/ binding.gyp scripts/install.cjs package.json README"
else failure "the tarball ships files users do not need" $bad; fi
mkdir "$work/unpacked"
tar -xzf "$tgz" -C "$work/unpacked"
rm -rf "$work/unpacked/package/prebuilds"
tgz_noprebuild=$work/neuroblas-noprebuild.tgz
tar -czf "$tgz_noprebuild" -C "$work/unpacked" package

# --- npm's cache: every dependency of the tarball, fetched once online so the real installs can be --offline ---
mkdir "$work/warm" && echo '{"name":"warm","private":true}' > "$work/warm/package.json"
if (cd "$work/warm" && npm install --no-audit --no-fund --ignore-scripts --prefer-offline "$tgz" >"$work/warm.log" 2>&1); then
  pass "npm cache warmed with the tarball's dependencies"
else
  failure "could not warm the npm cache" "$(tail -n 5 "$work/warm.log")"; finish
fi

# --- a PATH with node and npm but no compiler, make or python -------------------------------------------------
nocc=$work/nocc-bin
mkdir "$nocc"
for tool in node npm npx sh env; do ln -s "$(command -v "$tool")" "$nocc/$tool"; done
if (PATH=$nocc; ! command -v g++ && ! command -v cc && ! command -v make && ! command -v python3) >/dev/null; then
  pass "the install PATH has node and npm but no g++, cc, make or python3"
else
  failure "the install PATH still has a compiler, make or python3"
fi

# install <dir> <tarball> [npm args...]: an offline install into the empty <dir> with the no-compiler PATH.
install() {
  local dir=$1 tarball=$2; shift 2
  mkdir "$dir" && echo '{"name":"app","private":true,"type":"module"}' > "$dir/package.json"
  (cd "$dir" && PATH=$nocc npm install --offline --no-audit --no-fund --foreground-scripts "$@" "$tarball" >"$dir.install.log" 2>&1)
}

# train <dir> [env...]: the 2-epoch digits training in <dir>; stdout to <dir>.train.out, stderr to <dir>.train.err.
train() {
  local dir=$1; shift
  local cmd=(node "$dir/train-digits.mjs")
  driver="test/install/train-digits.mjs (the package has no CLI)"
  if [ -x "$dir/node_modules/.bin/neuroblas" ]; then
    cmd=("$dir/node_modules/.bin/neuroblas" train --data digits --epochs 2 --json --seed 1)
    driver="the installed CLI (neuroblas train --data digits --epochs 2 --json)"
  else
    cp "$here/train-digits.mjs" "$dir/"
  fi
  (cd "$dir" && env "$@" NODE_OPTIONS="${FAKE_NODE_OPTIONS:-}" timeout 300 "${cmd[@]}" >"$dir.train.out" 2>"$dir.train.err")
}

# trained <dir> <backend>: the last JSON line says epoch 2 of 2 on <backend> with a test accuracy that learning
# reached (10 classes: chance is 0.1; 2 epochs of this network reach about 0.85).
trained() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter((l) => l.startsWith("{"));
    const r = JSON.parse(lines.at(-1));
    const ok = r.epoch === 2 && r.epochs === 2 && r.backend === process.argv[2] && r.valAccuracy > 0.75;
    console.log(`epoch ${r.epoch}/${r.epochs} on ${r.backend}, test accuracy ${(100 * r.valAccuracy).toFixed(1)} %`);
    process.exit(ok ? 0 : 1);
  ' "$1.train.out" "$2"
}

# one_warning <dir> <regex>: stderr has exactly one loader warning line, it matches <regex>, and no stack trace.
one_warning() {
  local warnings
  warnings=$(grep '^neuroblas: native backend unavailable' "$1.train.err")
  [ "$(grep -c . <<<"$warnings")" = 1 ] && grep -Eq "$2" <<<"$warnings" && ! grep -q '^    at ' "$1.train.err"
}

fix_re='; using the js backend\. To build for this machine: apt-get install libopenblas-dev g\+\+ make python3 && npm rebuild neuroblas$'

# --- 1. with the prebuild ---------------------------------------------------------------------------------------
app=$work/with-prebuild
t0=$EPOCHREALTIME
if install "$app" "$tgz"; then
  install_seconds=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  pass "offline install with no compiler on PATH exits 0 (${install_seconds} s)"
else
  failure "offline install with the prebuild failed" "$(tail -n 15 "$app.install.log")"; finish
fi
pkg=$app/node_modules/neuroblas
grep -q 'install-scripts' "$app.install.log" && echo "     (npm: $(grep -A1 'install-scripts' "$app.install.log" | tail -1 | sed 's/^npm warn install-scripts *//'))"
if [ ! -e "$pkg/build" ] && [ -f "$pkg/$prebuild" ]; then pass "no source build was made (no build/), $prebuild is installed"
else failure "the install made a source build or lost the prebuild" "$(ls "$pkg" "$pkg/build" 2>&1)"; fi

info=$(cd "$app" && node -e 'import("neuroblas").then((m) => console.log(JSON.stringify(m.backendInfo())))' 2>&1)
if grep -q "\"backend\":\"native\",\"reason\":\"native addon loaded from $prebuild\"" <<<"$info"; then pass "the prebuild is what loads: $(echo "$info" | grep -o '"coreName":"[^"]*"')"
else failure "backendInfo() in the installed package does not say the prebuild loaded" "$info"; fi

if ldd "$pkg/$prebuild" >"$work/ldd.txt" 2>&1 && ! grep -Eq 'openblas|gfortran|quadmath|not found' "$work/ldd.txt"; then
  pass "ldd on the installed prebuild: $(awk '{print $1}' "$work/ldd.txt" | grep -v vdso | xargs)"
else
  failure "ldd on the installed prebuild lists a BLAS/Fortran library or a missing one" "$(cat "$work/ldd.txt")"
fi

if train "$app" && summary=$(trained "$app" native); then pass "2-epoch digits training through $driver: $summary"
else failure "2-epoch digits training on native" "$(tail -n 5 "$app.train.out" "$app.train.err")"; fi

# --- 2. the prebuild on machines it is not for: refused before loading, one line, js ----------------------------
FAKE_NODE_OPTIONS="--import=$here/fake-host.mjs"
for fake in "FAKE_ARCH=arm64|this is linux-arm64" "FAKE_GLIBC=2.31|this has glibc 2\.31" "FAKE_GLIBC=none|this linux-x64 has no glibc \(musl\?\)"; do
  setting=${fake%%|*}
  expected="^neuroblas: native backend unavailable: prebuild is for linux-x64 \(glibc ≥ [0-9.]+\), ${fake#*|}$fix_re"
  if train "$app" "$setting" && summary=$(trained "$app" js) && one_warning "$app" "$expected"; then
    pass "$setting: the prebuild is not loaded; $summary; one line: $(grep '^neuroblas: native' "$app.train.err" | cut -c1-110)…"
  else
    failure "$setting: expected js and one line matching $expected" "$(tail -n 5 "$app.train.out" "$app.train.err")"
  fi
done
FAKE_NODE_OPTIONS=

# --- 3. without the prebuild: the install script tries a source build, fails, says so, exits 0 ------------------
app=$work/without-prebuild
if install "$app" "$tgz_noprebuild"; then pass "offline install without the prebuild and with no compiler exits 0"
else failure "the install without the prebuild failed" "$(tail -n 15 "$app.install.log")"; fi
line=$(grep '^neuroblas: ' "$app.install.log")
if [ "$(printf '%s\n' "$line" | grep -c .)" = 1 ] && grep -q 'the pure-TypeScript (js) backend will be used. For the native one: apt-get install libopenblas-dev g++ make python3 && npm rebuild neuroblas' <<<"$line"; then
  pass "the install printed one line: $(echo "$line" | cut -c1-150)…"
else
  failure "the install did not print the one line saying js will be used and how to get native" "$(tail -n 15 "$app.install.log")"
fi
noprebuild_re="^neuroblas: native backend unavailable: no prebuild for linux-x64 and no build/Release in .*node_modules/neuroblas$fix_re"
if train "$app" && summary=$(trained "$app" js) && one_warning "$app" "$noprebuild_re"; then
  pass "training without the prebuild: $summary; one line: $(grep '^neuroblas: native' "$app.train.err" | cut -c1-110)…"
else
  failure "training without the prebuild: expected js and one line matching $noprebuild_re" "$(tail -n 5 "$app.train.out" "$app.train.err")"
fi

# --- 4. install scripts not run at all -----------------------------------------------------------------------------
app=$work/no-scripts
if install "$app" "$tgz_noprebuild" --ignore-scripts && train "$app" && summary=$(trained "$app" js) && one_warning "$app" "$noprebuild_re"; then
  pass "--ignore-scripts, no prebuild: $summary, with the same one line"
else
  failure "--ignore-scripts, no prebuild: expected js and one line" "$(tail -n 5 "$app.install.log" "$app.train.out" "$app.train.err")"
fi

mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "sizes: tarball $(mib "$tgz") (gzip), prebuild $(mib "$prebuild") (stripped), glibc floor $(objdump -T "$prebuild" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1), install ${install_seconds:-?} s"
finish
