#!/usr/bin/env python3
"""Spearmint's batch spending job as a Hadoop Streaming job, run by mrjob.

The seed's SpendingByCategory MRJob, but the mapper, combiner and reducer are
the `spearmint` binary (MRStep mapper_cmd/combiner_cmd/reducer_cmd), so this
exercises the binary's streaming contract, not Python code:

  map:     spearmint batch map --sellers sellers.tsv [--month M]
           log lines -> user<TAB>month<TAB>category<TAB>amount
  combine: spearmint batch reduce   (same format in and out: partial sums)
  reduce:  spearmint batch reduce   -> user<TAB>month<TAB>category<TAB>total

Key handling: the group key is the first 3 tab fields. JOBCONF tells real
Hadoop so (stream.num.map.output.key.fields=3: hash-partition on the whole
key). mrjob's local runner ignores jobconf and always sorts and splits reducer
input on the first field (`sort -t TAB -k1,1 -s`, a split never cuts a run of
equal first fields), i.e. it partitions by user. That is also correct, since a
key's user is part of the key: every line of a key reaches one reducer. Order
within a reducer does not matter (`batch reduce` aggregates in a hash map and
sorts its own output).

Driver (writes the normalized, byte-sorted result):
  mrjob_streaming.py --spearmint BIN --sellers S --log TX --out OUT [--month M]
(-r local only: the inline runner refuses *_cmd steps, it runs no subprocesses)
Plain mrjob command line (output on stdout, unsorted across reducers):
  mrjob_streaming.py --job -r local --spearmint BIN --sellers S TX
"""
import argparse
import os
import sys

from mrjob.job import MRJob
from mrjob.step import MRStep
from mrjob.util import to_lines

# Name of the seller map in each task's working directory (shipped like
# Hadoop's distributed cache, `path#name`).
SELLERS_NAME = "sellers.tsv"


class SpearmintSpending(MRJob):

    # Real Hadoop: the key is user, month, category (the local runner ignores
    # this and uses the first field; both keep a key in one reducer).
    JOBCONF = {"stream.num.map.output.key.fields": "3"}

    def configure_args(self):
        super().configure_args()
        # Only the driver reads these (steps() and files()); the tasks are the
        # binary, never this script.
        self.add_passthru_arg("--spearmint", required=True,
                              help="path of the spearmint binary")
        self.add_passthru_arg("--sellers", required=True,
                              help="seller<TAB>CATEGORY map (shipped to the tasks)")
        self.add_passthru_arg("--month", default="", help="only this YYYY-MM")

    def files(self):
        # Upload the map into every task's working dir under a fixed name, so
        # the mapper command can name it relatively, as on a cluster.
        return [os.path.abspath(self.options.sellers) + "#" + SELLERS_NAME]

    def steps(self):
        # Argument lists, not strings: mrjob runs them without a shell, so a
        # binary path with spaces needs no quoting.
        binary = os.path.abspath(self.options.spearmint)
        mapper = [binary, "batch", "map", "--sellers", SELLERS_NAME]
        if self.options.month:
            mapper += ["--month", self.options.month]
        reduce_ = [binary, "batch", "reduce"]
        return [MRStep(mapper_cmd=mapper, combiner_cmd=reduce_, reducer_cmd=reduce_)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spearmint", required=True)
    p.add_argument("--sellers", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--month", default="")
    a = p.parse_args(argv)
    for what, path in (("--spearmint", a.spearmint), ("--sellers", a.sellers), ("--log", a.log)):
        if not os.path.isfile(path):
            p.error("%s: no such file: %s" % (what, path))
    job = SpearmintSpending(args=[
        "-r", "local", "--no-conf",  # ignore any ~/.mrjob.conf: reproducible
        "--cleanup-on-failure", "ALL",  # no scratch left in $TMPDIR either way
        "--spearmint", a.spearmint, "--sellers", a.sellers, "--month", a.month,
        os.path.abspath(a.log)])
    with job.make_runner() as runner:
        try:
            runner.run()
        except Exception as e:  # mrjob has logged the task's stderr ("Probable cause")
            print("mrjob_streaming.py: job failed: %s" % e, file=sys.stderr)
            return 1
        # cat_output() yields byte chunks that need not end at a line end;
        # each reducer's part is sorted, but the parts are not merged.
        lines = [l if l.endswith(b"\n") else l + b"\n"
                 for l in to_lines(runner.cat_output()) if l]
    lines.sort()  # bytes order == LC_ALL=C sort
    with open(a.out, "wb") as f:
        f.writelines(lines)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--job":
        del sys.argv[1]
        SpearmintSpending.run()
    else:
        sys.exit(main())
