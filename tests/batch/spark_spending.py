#!/usr/bin/env python3
"""Spearmint's batch spending job on Apache Spark (RDD API), with the
`spearmint` binary doing all the work through pipes, Hadoop-Streaming style:

  textFile(log, N partitions)
    -> pipe `BIN batch map --sellers <SparkFiles copy> [--month M]`   per partition
    -> pipe `BIN batch reduce`                      (combiner: partial sums per partition)
    -> partitionBy(key = user, month, category)     (the shuffle)
    -> pipe `BIN batch reduce`                      (final sums; one key is in one partition)
    -> collect, byte-order sort, write OUT          (the normalized result)

usage (normally through run_spark.sh):
  spark-submit --master spark://127.0.0.1:PORT spark_spending.py \
      --spearmint BIN --sellers S --log TX --out OUT [--month M] [--partitions N]
Without --master spark-submit runs it in local mode, which works too.

The binary must exist at the same absolute path on every executor (true on one
machine); the seller map is shipped with SparkContext.addFile.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import zlib

from pyspark import SparkContext, SparkFiles


def pipe(rdd, argv_fn):
    """rdd.pipe(), but the command is built on the executor by argv_fn().

    Why not RDD.pipe: its command string is fixed on the driver, so it cannot
    name the executor's SparkFiles.get() copy of the seller map; it also starts
    the child with an EMPTY environment (env={} by default, so no PATH) and
    ignores the exit status unless checkCode=True. This keeps its shape (a
    feeder thread writes the partition to stdin, stdout lines come back) and
    fails the task, with the tail of the child's stderr, on a non-zero exit.
    """
    env = {"LC_ALL": "C", "RUST_BACKTRACE": "1"}
    for var in ("PATH", "HOME"):  # a script stand-in needs PATH for its #! line
        if var in os.environ:
            env[var] = os.environ[var]

    def run(lines):
        first = next(lines, None)
        if first is None:  # empty partition: nothing to start a process for
            return
        argv = argv_fn()
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err, env=env)

            def feed():
                try:
                    proc.stdin.write((first + "\n").encode("utf-8"))
                    for line in lines:
                        proc.stdin.write((line + "\n").encode("utf-8"))
                    proc.stdin.close()
                except BrokenPipeError:
                    pass  # the child died; its exit status tells why

            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
            for out in proc.stdout:
                yield out.rstrip(b"\n").decode("utf-8")
            feeder.join()
            if proc.wait() != 0:
                err.seek(0)
                tail = err.read()[-2000:].decode("utf-8", "replace")
                raise RuntimeError("%s exited with status %d; stderr:\n%s"
                                   % (" ".join(argv), proc.returncode, tail))

    return rdd.mapPartitions(run)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spearmint", required=True)
    p.add_argument("--sellers", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--month", default="")
    p.add_argument("--partitions", type=int, default=4)
    a = p.parse_args(argv)
    binary = os.path.abspath(a.spearmint)
    for what, path in (("--spearmint", binary), ("--sellers", a.sellers), ("--log", a.log)):
        if not os.path.isfile(path):
            p.error("%s: no such file: %s" % (what, path))
    n = a.partitions

    sc = SparkContext(appName="spearmint-batch-spending")
    try:
        sc.addFile(os.path.abspath(a.sellers))
        sellers_name = os.path.basename(a.sellers)

        def map_argv():  # runs on the executor, where SparkFiles has the copy
            cmd = [binary, "batch", "map", "--sellers", SparkFiles.get(sellers_name)]
            return cmd + (["--month", a.month] if a.month else [])

        def reduce_argv():
            return [binary, "batch", "reduce"]

        def key_partition(key):  # stable across processes (str hash() is salted)
            return zlib.crc32(key.encode("utf-8"))

        lines = sc.textFile("file://" + os.path.abspath(a.log), minPartitions=n)
        partial = pipe(pipe(lines, map_argv), reduce_argv)
        # key = user<TAB>month<TAB>category: everything before the last tab
        shuffled = (partial.map(lambda l: (l.rsplit("\t", 1)[0], l))
                    .partitionBy(n, key_partition)
                    .values())
        result = pipe(shuffled, reduce_argv).collect()
    finally:
        sc.stop()

    # str order is code-point order, which is UTF-8 byte order (LC_ALL=C sort)
    result.sort()
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        for line in result:
            f.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
