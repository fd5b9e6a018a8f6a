#!/usr/bin/env python3
"""Sample evaluation for the demo: accuracy, precision and recall of a
model written by train.py on the CSV files in a directory.

usage: evaluate.py MODEL DATA_DIR METRICS_OUT"""
import csv, json, math, os, sys


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    model, data, out = argv[1:]
    with open(model) as f:
        w = json.load(f)["weights"]
    tp = fp = tn = fn = 0
    for name in sorted(os.listdir(data)):
        with open(os.path.join(data, name), newline="") as f:
            for r in csv.DictReader(f):
                x1, x2, y = float(r["x1"]), float(r["x2"]), int(r["label"])
                p = 1 / (1 + math.exp(-(w[0] + w[1] * x1 + w[2] * x2)))
                pred = 1 if p >= 0.5 else 0
                tp += pred and y; fp += pred and not y
                tn += (not pred) and (not y); fn += (not pred) and y
    n = tp + fp + tn + fn
    metrics = {"accuracy": (tp + tn) / n,
               "precision": tp / (tp + fp) if tp + fp else 0.0,
               "recall": tp / (tp + fn) if tp + fn else 0.0}
    with open(out, "w") as f:
        json.dump(metrics, f)
        f.write("\n")
    print("evaluate.py:", json.dumps(metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
