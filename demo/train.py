#!/usr/bin/env python3
"""Sample training job for the demo: logistic regression by gradient
descent on the CSV files in a directory, standard library only.

usage: train.py DATA_DIR MODEL_OUT [--lr LR] [--epochs N]
The seed comes from MLATTEST_SEED (set by `attest run --seed`)."""
import csv, json, math, os, random, sys


def load(d):
    rows = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), newline="") as f:
            for r in csv.DictReader(f):
                rows.append((float(r["x1"]), float(r["x2"]), int(r["label"])))
    return rows


def main(argv):
    args = argv[1:]
    lr, epochs = 0.5, 200
    if "--lr" in args:
        i = args.index("--lr"); lr = float(args[i + 1]); del args[i:i + 2]
    if "--epochs" in args:
        i = args.index("--epochs"); epochs = int(args[i + 1]); del args[i:i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data, out = args
    rng = random.Random(int(os.environ.get("MLATTEST_SEED", "0")))
    rows = load(data)
    w = [rng.uniform(-0.1, 0.1) for _ in range(3)]
    for _ in range(epochs):
        g = [0.0, 0.0, 0.0]
        for x1, x2, y in rows:
            p = 1 / (1 + math.exp(-(w[0] + w[1] * x1 + w[2] * x2)))
            for j, xj in enumerate((1.0, x1, x2)):
                g[j] += (p - y) * xj
        w = [wj - lr * gj / len(rows) for wj, gj in zip(w, g)]
    with open(out, "w") as f:
        json.dump({"weights": w, "trained_on": len(rows)}, f)
        f.write("\n")
    print(f"train.py: {len(rows)} rows, weights {[round(x, 3) for x in w]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
