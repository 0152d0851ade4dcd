#!/usr/bin/env bash
# Crawl benchmark: tdm's crawler (PostgreSQL + embedded Kafka, parsing and
# publishing included) against Scrapy and `wget -r` on one generated static
# site served by nginx on 127.0.0.1. About 2 minutes with the defaults.
#
# Usage: bench/crawl/run.sh [--pages=2000] [--seed=1] [--batches="32 256"]
#                           [--repeat=5] [--only-tdm] [--perf]
#   --repeat   timed crawls of the site per batch size (each a new crawl, same
#              work); the median is reported, with the range (a 2,000-page
#              crawl lasts under a second, so one run is noisy)
#   --batches  TDM_CRAWLER_BATCH values to run tdm with, one crawl each
#   --perf     also record an on-CPU profile of tdm's crawler with perf
#              (linux-perf) during the last crawl and print its top symbols;
#              PERF_OUT=FILE keeps perf.data (perf report -i FILE)
# CRAWLER_LOG=FILE keeps the log of tdm's crawler runs.
#
# Pinning: each crawler under test (tdm's crawler process, Scrapy, wget) runs
# alone on core 0 (taskset -c 0); nginx, PostgreSQL and the embedded Kafka
# broker share core 1. Installs nginx-light and python3-scrapy if missing
# (the nginx service is neither enabled nor started: this script runs its own
# nginx with its own config, pid and logs). Writes only to a temporary folder,
# removed at exit, and to the build directory (BUILD_DIR, default build-crawl).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/bench/crawl"
build="${BUILD_DIR:-$repo/build-crawl}"
pages=2000
seed=1
batches="32 256"
repeat=5
only_tdm=0
perf=0
for arg in "$@"; do
  case "$arg" in
    --pages=*) pages="${arg#*=}" ;;
    --seed=*) seed="${arg#*=}" ;;
    --batches=*) batches="${arg#*=}" ;;
    --repeat=*) repeat="${arg#*=}" ;;
    --only-tdm) only_tdm=1 ;;
    --perf) perf=1 ;;
    *) echo "run.sh: unknown argument $arg (see the header of $0)" >&2; exit 2 ;;
  esac
done
[ "$(nproc)" -ge 2 ] || { echo "run.sh: needs 2 cores (one for the crawler under test)" >&2; exit 1; }

# --- tools ---------------------------------------------------------------
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
/usr/bin/python3 -c 'import scrapy' 2>/dev/null || missing+=(python3-scrapy)
command -v wget >/dev/null || missing+=(wget)
[ -x /usr/bin/time ] || missing+=(time)
[ "$perf" = 0 ] || command -v perf >/dev/null || missing+=(linux-perf)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "run.sh: missing ${missing[*]}; install them as root" >&2; exit 1; }
  echo "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y "${missing[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
PG_BIN=/usr/lib/postgresql/15/bin
[ -x "$PG_BIN/psql" ] || { echo "run.sh: no $PG_BIN/psql (scripts/setup.sh installs PostgreSQL 15)" >&2; exit 1; }

# -Wno-error=restrict: GCC 12 at -O3 reports a false -Wrestrict inside
# std::string's operator+ (as bench/faces/run.sh notes); Release only.
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="-Wno-error=restrict" >/dev/null
if ! log="$(ninja -C "$build" -j"${JOBS:-1}" tdm 2>&1)"; then
  echo "$log" >&2
  exit 1
fi
TDM="$build/cli/tdm"

# --- clean-up: everything this run started, by pid ------------------------
tmp="$(mktemp -d /tmp/tdm-bench-crawl.XXXXXX)"
chmod 0755 "$tmp"  # nginx's worker (www-data) reads the site, PostgreSQL its data folder
home="$tmp/home"
nginx_pid=""
crawler_pid=""
cleanup() {
  set +e
  if [ -n "$crawler_pid" ] && kill -0 "$crawler_pid" 2>/dev/null; then
    kill -TERM "$crawler_pid"
    for _ in $(seq 100); do kill -0 "$crawler_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$crawler_pid" 2>/dev/null && kill -KILL "$crawler_pid"
  fi
  [ -d "$home" ] && TDM_HOME="$home" "$TDM" down >/dev/null 2>&1
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -QUIT "$nginx_pid"
    for _ in $(seq 50); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$nginx_pid" 2>/dev/null && kill -KILL "$nginx_pid"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Integer and fixed-point arithmetic without bc.
calc() { awk "BEGIN { printf \"$1\n\", $2 }"; }
vm_hwm_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
max_rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/Mem:/ {print $2}') GiB RAM; load before run: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the site and nginx ----------------------------------------------------
/usr/bin/python3 "$here/gen_site.py" "$tmp/site" --pages "$pages" --seed "$seed"
port="$(free_port)"
mkdir -p "$tmp/nginx"
sed -e "s|@DIR@|$tmp/nginx|g" -e "s|@ROOT@|$tmp/site|g" -e "s|@PORT@|$port|g" \
  "$here/nginx.conf.in" >"$tmp/nginx/nginx.conf"
taskset -c 1 "$NGINX" -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" \
  >"$tmp/nginx/stdout.log" 2>&1 &
nginx_pid=$!
site="http://127.0.0.1:$port/"
for _ in $(seq 100); do curl -sf -o /dev/null "$site" && break; sleep 0.05; done
curl -sf -o /dev/null "$site" || { echo "run.sh: nginx did not serve $site:" >&2; tail -5 "$tmp/nginx/"*.log >&2; exit 1; }
echo "nginx: $site (pid $nginx_pid, core 1)"

results=()  # "name|pages|seconds|rss_mb|cpu_s"

# --- tdm -------------------------------------------------------------------
# PostgreSQL + broker from `tdm up`; its crawler, matcher and notifier are
# stopped (TDM_FACES=off so the matcher needs no model files while it runs
# for a moment), and one crawler per batch size is started by hand on core 0.
export TDM_HOME="$home" TDM_FACES=off TDM_METRICS_ADDR=off
if ! "$TDM" up >"$tmp/up.log" 2>&1; then cat "$tmp/up.log" >&2; exit 1; fi
for s in crawler matcher notifier; do
  pid="$(cat "$home/run/$s.pid")"
  kill -TERM "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
pg_pid="$(head -1 "$home/pg/data/postmaster.pid")"
for pid in "$pg_pid" $(ps -o pid= --ppid "$pg_pid") "$(cat "$home/run/broker.pid")"; do
  taskset -a -p -c 1 "$pid" >/dev/null  # PostgreSQL backends fork from the postmaster: core 1 too
done
dsn="$(cat "$home/run/pg.dsn")"
sql() { "$PG_BIN/psql" -XqtA -v ON_ERROR_STOP=1 "$dsn" -c "$1"; }
site_id="$("$TDM" site add --name bench --allow-private "$site" | awk '{print $NF}')"
"$TDM" site politeness "$site_id" --delay-ms 0 --concurrency 64 --reason "benchmark" >/dev/null
# Sites stop at 10,000 pages by default (no CLI flag for it): room for --pages.
sql "UPDATE sites SET max_pages = greatest(max_pages, $pages + 10) WHERE id = $site_id" >/dev/null
# A one-page site on the same host: its crawl waits out the consumer group's
# join (about 3 s with the embedded broker) before the timed crawl.
warm_id="$("$TDM" site add --name warm-up --allow-private "${site}robots.txt" | awk '{print $NF}')"

wait_crawl() {  # crawl id, expected pages, timeout s
  local deadline=$((SECONDS + $3)) counts
  while :; do
    counts="$(sql "SELECT count(*) FILTER (WHERE state IN ('queued','fetching')),
                          count(*) FILTER (WHERE state IN ('done','failed'))
                   FROM crawl_urls WHERE crawl_id = $1")"
    [ "$counts" = "0|$2" ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "run.sh: crawl $1 not finished after $3 s (pending|finished: $counts); crawler log:" >&2
      tail -20 "$tmp/crawler.log" >&2
      exit 1
    fi
    sleep 0.05
  done
}

for batch in $batches; do
  TDM_CRAWLER_BATCH="$batch" taskset -c 0 "$TDM" crawler >>"$tmp/crawler.log" 2>&1 &
  crawler_pid=$!
  warm="$("$TDM" crawl --site "$warm_id" | awk '{print $NF}')"
  wait_crawl "$warm" 1 60
  ticks0="$(cpu_ticks "$crawler_pid")"
  if [ "$perf" = 1 ] && [ "$batch" = "${batches##* }" ]; then
    perf record -q -F 999 -g -o "$tmp/perf.data" -p "$crawler_pid" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  all_secs=()
  for rep in $(seq "$repeat"); do
    crawl="$("$TDM" crawl --site "$site_id" | awk '{print $NF}')"
    wait_crawl "$crawl" "$pages" 600
    # From the crawl's creation (before its seed is published) to the last page recorded.
    read -r secs done_pages failed < <(sql "SELECT extract(epoch FROM max(u.updated_at) - c.started_at),
          count(*) FILTER (WHERE u.state = 'done'), count(*) FILTER (WHERE u.state = 'failed')
        FROM crawl_urls u JOIN crawls c ON c.id = u.crawl_id WHERE u.crawl_id = $crawl
        GROUP BY c.started_at" | tr '|' ' ')
    images="$(sql "SELECT count(*) FROM image_refs WHERE crawl_id = $crawl")"
    [ "$failed" = 0 ] || echo "warning: tdm batch $batch: $failed page(s) failed" >&2
    all_secs+=("$secs")
  done
  ticks1="$(cpu_ticks "$crawler_pid")"
  if [ -n "${perf_pid:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; perf_pid=""; fi
  sorted=($(printf '%s\n' "${all_secs[@]}" | sort -g))
  secs="${sorted[$(( ${#sorted[@]} / 2 ))]}"
  range="$(calc %.0f "$done_pages / ${sorted[-1]}")-$(calc %.0f "$done_pages / ${sorted[0]}")"
  rss="$(vm_hwm_mb "$crawler_pid")"
  cpu="$(calc %.2f "($ticks1 - $ticks0) / $(getconf CLK_TCK) / $repeat")"
  echo "tdm (batch $batch): $done_pages pages, $images image refs, median of $repeat" \
    "$(calc %.2f "$secs") s, $(calc %.0f "$done_pages / $secs") pages/s (range $range)," \
    "crawler CPU $cpu s per crawl ($(calc %.0f "100 * $cpu / $secs")% of its core), peak RSS $rss MB"
  results+=("tdm (TDM_CRAWLER_BATCH=$batch)|$done_pages|$secs|$rss|$cpu")
  kill -TERM "$crawler_pid"
  for _ in $(seq 100); do kill -0 "$crawler_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$crawler_pid" 2>/dev/null && kill -KILL "$crawler_pid"
  wait "$crawler_pid" 2>/dev/null || true
  crawler_pid=""
done
if [ "$perf" = 1 ]; then
  # `|| true`: head closes the pipe early.
  echo "perf: tdm crawler (batch ${batches##* }), on-CPU samples by shared object, then by symbol"
  { perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
    grep -v '^#' | grep . | head -12; } || true
  { perf report -i "$tmp/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep -v '^#' | grep . | head -30; } || true
  [ -z "${PERF_OUT:-}" ] || cp "$tmp/perf.data" "$PERF_OUT"
fi
[ -z "${CRAWLER_LOG:-}" ] || cp "$tmp/crawler.log" "$CRAWLER_LOG"
TDM_HOME="$home" "$TDM" down >/dev/null 2>&1 || true

# --- Scrapy and wget ---------------------------------------------------------
if [ "$only_tdm" = 0 ]; then
  /usr/bin/time -v -o "$tmp/scrapy.time" taskset -c 0 /usr/bin/python3 "$here/scrapy_crawl.py" \
    "$site" >"$tmp/scrapy.out" 2>"$tmp/scrapy.err" || { cat "$tmp/scrapy.err" >&2; exit 1; }
  read -r _ _ s_pages _ s_images _ s_secs <"$tmp/scrapy.out"
  results+=("Scrapy $(/usr/bin/python3 -c 'import scrapy; print(scrapy.__version__)')|$s_pages|$s_secs|$(max_rss_mb "$tmp/scrapy.time")|")
  echo "scrapy: $s_pages pages, $s_images image refs, $s_secs s"

  # -R gif: images are not fetched (neither tdm's crawler nor the spider fetch them).
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$tmp/wget.time" taskset -c 0 wget -r -l inf -np -nv -e robots=on -R gif \
    -P "$tmp/wget" "$site" 2>"$tmp/wget.err" || { tail "$tmp/wget.err" >&2; exit 1; }
  end=$(date +%s.%N)
  w_pages="$(find "$tmp/wget" -name '*.html' | wc -l)"
  rm -rf "$tmp/wget"
  results+=("wget $(wget --version | awk 'NR == 1 {print $3}') -r|$w_pages|$(calc %.3f "$end - $start")|$(max_rss_mb "$tmp/wget.time")|")
fi

# --- table -----------------------------------------------------------------
tdm_rate=""
printf '\n| crawler | pages | wall s | pages/s | peak RSS MB | best tdm / this |\n|---|---:|---:|---:|---:|---:|\n'
for r in "${results[@]}"; do
  IFS='|' read -r name n secs rss _ <<<"$r"
  rate="$(calc %.1f "$n / $secs")"
  case "$name" in tdm*) awk "BEGIN { exit !($rate > ${tdm_rate:-0}) }" && tdm_rate="$rate" ;; esac
done
for r in "${results[@]}"; do
  IFS='|' read -r name n secs rss _ <<<"$r"
  rate="$(calc %.1f "$n / $secs")"
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$n" "$(calc %.2f "$secs")" "$rate" "$rss" \
    "$(calc %.2f "$tdm_rate / $rate")"
done
