#!/usr/bin/python3
"""bandtable.py: band-stop / band-pass table from `fsweep eval` logs written by run_a.sh.

usage: /usr/bin/python3 bandtable.py RAW_DIR SET ARCH      (e.g. results/paper/raw b1 resnet18)
Reads RAW_DIR/a_eval_SET_ARCH_{all,bs12..bs34,bp1..bp4}.log and prints, per test set, the
per-class accuracy, the overall accuracy, the share of all images predicted as each class,
and for band-stop sets the relative confusion change diagonal (PAPER.md 3.3) in points.
"""
import os
import re
import sys

import numpy as np


def parse(path):
    acc, conf = [], []
    mode = None
    with open(path) as f:
        for line in f:
            if line.startswith("per-class accuracy"):
                mode = "acc"
                continue
            if line.startswith("confusion matrix"):
                mode = "conf"
                continue
            if mode == "acc":
                m = re.match(r"\s+\d+\s+\S+\s+([0-9.]+)", line)
                if m:
                    acc.append(float(m.group(1)))
            elif mode == "conf":
                m = re.match(r"\s+\d+\s+\|(.*)", line)
                if m:
                    conf.append([int(v) for v in m.group(1).split()])
    return np.array(acc), np.array(conf)


raw, s, arch = sys.argv[1:4]
sets = ["all", "bs12", "bs13", "bs14", "bs23", "bs24", "bs34", "bp1", "bp2", "bp3", "bp4"]
base = None
print(f"Syn_{s.upper()} {arch}: per-class accuracy | share of predictions per class")
for t in sets:
    p = os.path.join(raw, f"a_eval_{s}_{arch}_{t}.log")
    if not os.path.exists(p):
        continue
    acc, conf = parse(p)
    if t == "all":
        base = conf
    share = conf.sum(axis=0) / conf.sum()
    name = {"all": "original"}.get(t, ("stop B" + "+B".join(t[2:]) if t.startswith("bs")
                                         else "pass B" + t[2:]))
    print(f"{name:14s} " + " ".join(f"{v:5.2f}" for v in acc) + f" | all {np.trace(conf) / conf.sum():5.3f}"
          + " | pred " + " ".join(f"{v:5.2f}" for v in share))
