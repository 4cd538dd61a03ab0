"""Trains scikit-learn's IsolationForest on the features `vigil features` wrote, and exports it to ONNX.

    python train_isolation_forest.py features.csv model.onnx

The model's input is the feature columns in file order (every column after the timestamp): the
order vigil's agent sends them in. skl2onnx names the input `X` and answers `label` and `scores`
[N, 1] with higher = more normal; `vigil import-onnx --higher-is normal` wraps that to vigil's
contract (input `features`, output `score` [N], higher = more anomalous).
"""

import sys

import numpy as np
from skl2onnx import to_onnx
from sklearn.ensemble import IsolationForest


def main(features_csv: str, out: str) -> None:
    with open(features_csv, encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    features = header[1:]
    x = np.loadtxt(features_csv, delimiter=",", skiprows=1, usecols=range(1, len(header)), dtype=np.float32, ndmin=2)
    model = IsolationForest(n_estimators=100, max_samples=256, random_state=7).fit(x)
    onnx_model = to_onnx(model, x[:1], target_opset={"": 17, "ai.onnx.ml": 3})
    with open(out, "wb") as f:
        f.write(onnx_model.SerializeToString())
    print(f"trained IsolationForest on {x.shape[0]} rows x {len(features)} features; wrote {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python train_isolation_forest.py FEATURES_CSV OUT_ONNX")
    main(sys.argv[1], sys.argv[2])
