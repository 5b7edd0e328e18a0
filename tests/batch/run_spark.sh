#!/usr/bin/env bash
# Run spark_spending.py on a throwaway Spark standalone cluster on this machine:
# one master and TWO workers (1 core each), all on 127.0.0.1, so the job really
# goes through executors in other JVMs, a shuffle and SparkFiles shipping.
#
#   tests/batch/run_spark.sh BIN SELLERS LOG OUT [--month M] [--partitions N]
#
# Needs: Java 17 (java on PATH or JAVA_HOME), pip-installed pyspark (its bin/
# has spark-class and spark-submit; the pip package has no sbin/start-*.sh, so
# the daemons are started with spark-class directly). No network: every port
# is on 127.0.0.1. All scratch (logs, pids, worker and shuffle dirs) lives in
# one temp dir, removed at exit (KEEP=1 keeps it); master and workers are
# always stopped, by their own pids. Env: PYTHON (default python3),
# SPARK_WAIT (seconds to wait for the workers, default 60).
set -euo pipefail

die() { echo "run_spark.sh: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: run_spark.sh BIN SELLERS LOG OUT [--month M] [--partitions N]"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
abs() { [ -e "$1" ] || die "no such file: $1"; echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin="$(abs "$1")"; sellers="$(abs "$2")"; log="$(abs "$3")"
out_dir="$(cd "$(dirname "$4")" 2>/dev/null && pwd)" || die "no directory for OUT: $4"
out="$out_dir/$(basename "$4")"
shift 4

PY="${PYTHON:-python3}"
# Executors must run the same interpreter (the one that has pyspark); a pyenv
# shim would re-resolve the version per directory.
PY="$("$PY" -c 'import sys; print(sys.executable)')"
SPARK_HOME="$("$PY" -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))')" \
  || die "pyspark is not installed for $PY (pip install pyspark==3.5.8)"
export SPARK_HOME
if [ -z "${JAVA_HOME:-}" ]; then
  java_bin="$(command -v java)" || die "no java on PATH (apt-get install openjdk-17-jre-headless)"
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$java_bin")")")"
  export JAVA_HOME
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/spearmint-spark.XXXXXX")"
pids=()
cleanup() {
  local rc=$?
  set +e  # best effort from here: one failing step must not skip the rest
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do  # give the JVMs a few seconds, then force
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$tmp"/master.log "$tmp"/worker*.log "$tmp"/driver.log; do
      [ -f "$f" ] && { echo "---- tail of $f" >&2; tail -n 12 "$f" >&2; }
    done
    # the first task failure: spark_spending.py puts the binary's stderr in it
    if [ -f "$tmp/driver.log" ] && grep -q 'Error: ' "$tmp/driver.log"; then
      echo "---- first error in $tmp/driver.log" >&2
      grep -m1 -A6 'Error: ' "$tmp/driver.log" >&2
    fi
    # executor logs: the binary's own stderr also ends up in the task error
    find "$tmp/work" -name stderr 2>/dev/null | head -4 | while read -r f; do
      echo "---- tail of $f" >&2; tail -n 15 "$f" >&2; done
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "run_spark.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp"/{logs,pids,work,local,conf}
# Everything bound to and advertised as 127.0.0.1: the hostname need not resolve.
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=127.0.0.1
export SPARK_LOG_DIR="$tmp/logs" SPARK_PID_DIR="$tmp/pids" SPARK_WORKER_DIR="$tmp/work"
export SPARK_LOCAL_DIRS="$tmp/local"   # shuffle and block scratch
export SPARK_CONF_DIR="$tmp/conf"      # empty: no stray spark-defaults.conf applies
export SPARK_DAEMON_MEMORY=256m        # master/worker JVM heap
export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY"
export _JAVA_OPTIONS="-Djava.io.tmpdir=$tmp/local"

# Free ports now; a race with another process is possible but harmless here
# (the master/worker would fail to bind and we report it).
read -r mport mui w1ui w2ui < <("$PY" - <<'PYEOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
PYEOF
)
master="spark://127.0.0.1:$mport"

t0=$(date +%s.%N)
# spark-class execs java, so $! is the JVM's pid.
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$mport" --webui-port "$mui" >"$tmp/master.log" 2>&1 &
pids+=($!)
for i in 1 2; do
  ui=$w1ui; [ "$i" = 2 ] && ui=$w2ui
  mkdir -p "$tmp/work/w$i"
  "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker \
    --host 127.0.0.1 --cores 1 --memory 1g --webui-port "$ui" \
    --work-dir "$tmp/work/w$i" "$master" >"$tmp/worker$i.log" 2>&1 &
  pids+=($!)
done

# Both workers registered = the master's JSON status lists 2 ALIVE workers.
"$PY" - "$mui" "${SPARK_WAIT:-60}" "${pids[@]}" <<'PYEOF' || die "cluster did not come up (2 workers registered)"
import json, os, sys, time, urllib.request
port, wait, pids = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
deadline = time.time() + wait
while time.time() < deadline:
    for p in pids:  # a daemon that died (e.g. port taken) will never register
        try: os.kill(p, 0)
        except ProcessLookupError: sys.exit("daemon pid %d exited" % p)
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/json/" % port, timeout=2) as r:
            st = json.load(r)
        if sum(w.get("state") == "ALIVE" for w in st.get("workers", [])) >= 2:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.25)
sys.exit("timed out after %gs" % wait)
PYEOF
t1=$(date +%s.%N)

# Driver in client mode on this machine; executors: 1 core each, one per
# worker. maxFailures=1: a failing binary fails the job at once, not after 4
# retries. In the background + wait, so a TERM/INT runs the trap right away
# (spark-submit execs java: $! is the driver JVM, killed by cleanup).
cd "$tmp"
"$SPARK_HOME/bin/spark-submit" --master "$master" \
  --conf spark.ui.enabled=false --conf spark.task.maxFailures=1 \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
  --conf spark.cores.max=2 --executor-cores 1 --executor-memory 512m --driver-memory 512m \
  --conf spark.pyspark.python="$PY" \
  "$here/spark_spending.py" --spearmint "$bin" --sellers "$sellers" --log "$log" --out "$out" "$@" \
  >"$tmp/driver.log" 2>&1 &
drv=$!
pids+=("$drv")
wait "$drv" || die "spark-submit failed, status $? (driver log below)"
unset 'pids[${#pids[@]}-1]'  # reaped: never signal a pid that may be reused
t2=$(date +%s.%N)

"$PY" -c 'import sys; a,b,c = map(float, sys.argv[1:4]); print("run_spark.sh: cluster up %.1fs, job %.1fs, %s" % (b-a, c-b, sys.argv[4]))' \
  "$t0" "$t1" "$t2" "$out" >&2 || true
