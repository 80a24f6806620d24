"""The `localrec` command (bin/localrec.mjs runs `python -m training.cli ...`):

    localrec train --events F --items F --out DIR [--config F] [--epochs N] [--no-eval]
    localrec train --dataset movielens [training/train.py options]      (the research datasets)
    localrec items --model DIR --add new.csv | --remove ids.csv

Bad input ends with one line `localrec: error: <file>, row <r>, column '<c>': <what>` and exit code 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

from .ingest import InputError


def cmd_train(argv: list[str]) -> int:
    if "--dataset" in argv:
        from . import train as T

        T.main(argv)
        return 0
    ap = argparse.ArgumentParser(prog="localrec train")
    ap.add_argument("--events", required=True, help="event log: CSV, JSONL or Parquet (.gz accepted)")
    ap.add_argument("--items", required=True, help="item catalogue: CSV, JSONL or Parquet (.gz accepted)")
    ap.add_argument("--out", required=True, help="the folder the page loads (replaced at the end)")
    ap.add_argument("--config", help="JSON or TOML: event weights, repeats, columns, training options")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("LOCALREC_THREADS", "2")))
    ap.add_argument("--no-eval", action="store_true", help="skip the held-out evaluation and report (final fit only)")
    a = ap.parse_args(argv)
    from .pipeline import run

    run(
        a.events,
        a.items,
        a.out,
        a.config,
        a.epochs,
        a.threads,
        a.seed,
        evaluate=not a.no_eval,
        command="localrec train " + shlex.join(argv),
    )
    return 0


def cmd_items(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="localrec items")
    ap.add_argument("--model", required=True, help="a folder written by localrec train")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--add", help="items to add or update (same columns as the catalogue file)")
    g.add_argument("--remove", help="a file with an item id column: items to remove")
    ap.add_argument("--config", help="the config given to localrec train (column types)")
    ap.add_argument("--out", help="write the new version here instead of replacing --model")
    a = ap.parse_args(argv)
    from .items_update import update

    update(a.model, add=a.add, remove=a.remove, config=a.config, out=a.out)
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cmds = {"train": cmd_train, "items": cmd_items}
    if not argv or argv[0] not in cmds:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        return cmds[argv[0]](argv[1:])
    except InputError as e:
        print(f"localrec: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("localrec: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
