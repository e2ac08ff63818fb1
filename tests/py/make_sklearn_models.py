"""Classifiers, regressors and transformers converted by skl2onnx, the way scikit-learn users
export them, with the inputs the tests feed them. Needs scikit-learn and skl2onnx (not in the
test venv: run it by hand, commit its output):

    python -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn skl2onnx onnxruntime
    /tmp/sk/bin/python tests/py/make_sklearn_models.py tests/models/sklearn

Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>.X.npy (12 rows). What they should output is not
written down: the tests ask onnxruntime (tests/py/ort_outputs.py) in the same run.
"""
import os
import sys
import warnings

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC, NuSVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from skl2onnx import to_onnx

warnings.filterwarnings("ignore")
OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
OPSETS = {"": 17, "ai.onnx.ml": 3}

X3, y3 = make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=3, random_state=0)
X3 = X3.astype(np.float32)
y2 = (y3 > 0).astype(np.int64)
names3 = np.array(["cat", "dog", "eel"])
ys3, ys2 = names3[y3], names3[y2]
X4, y4 = make_classification(n_samples=200, n_features=6, n_informative=4, n_classes=4, random_state=1)
X4 = X4.astype(np.float32)
Xr, yr = make_regression(n_samples=200, n_features=6, random_state=0)
Xc = np.random.default_rng(0).integers(0, 4, (200, 3)).astype(np.int64)
yc = (Xc[:, 0] + Xc[:, 1] > 3).astype(np.int64)
Xr = Xr.astype(np.float32)

# name: (estimator, X, y, skl2onnx options)
NO_ZIPMAP = {"zipmap": False}
MODELS = {
    "decision_tree_3class": (DecisionTreeClassifier(max_depth=4, random_state=0), X3, y3, NO_ZIPMAP),
    "decision_tree_binary": (DecisionTreeClassifier(max_depth=3, random_state=0), X3, y2, NO_ZIPMAP),
    "random_forest_3class": (RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0), X3, y3, NO_ZIPMAP),
    "random_forest_binary": (RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0), X3, y2, NO_ZIPMAP),
    "gradient_boosting_binary": (GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0), X3, y2, NO_ZIPMAP),
    "gradient_boosting_3class": (GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0), X3, y3, NO_ZIPMAP),
    "logistic_regression_binary": (LogisticRegression(), X3, y2, NO_ZIPMAP),
    "logistic_regression_3class": (LogisticRegression(), X3, y3, NO_ZIPMAP),
    "linear_svc_binary": (LinearSVC(random_state=0), X3, y2, None),
    "linear_svc_3class": (LinearSVC(random_state=0), X3, y3, None),
    "svc_rbf_3class": (SVC(probability=False, random_state=0), X3, y3, None),
    "svc_linear_3class": (SVC(kernel="linear", random_state=0), X3, y3, None),
    "svc_poly_4class": (SVC(kernel="poly", degree=2, random_state=0), X4, y4, None),
    "svc_rbf_binary": (SVC(random_state=0), X3, y2, None),
    "svc_rbf_probability": (SVC(probability=True, random_state=0), X3, y3, NO_ZIPMAP),
    "gaussian_nb_3class": (GaussianNB(), X3, y3, NO_ZIPMAP),
    "knn_3class": (KNeighborsClassifier(n_neighbors=3), X3, y3, NO_ZIPMAP),
    "decision_tree_regressor": (DecisionTreeRegressor(max_depth=3, random_state=0), Xr, yr, None),
    "random_forest_regressor": (RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0), Xr, yr, None),
    "linear_regression": (LinearRegression(), Xr, yr, None),
    "svr_rbf": (SVR(), Xr, yr, None),
    "svr_linear": (SVR(kernel="linear"), Xr, yr, None),
    "svr_poly": (SVR(kernel="poly", degree=2), Xr, yr, None),
    "svr_sigmoid": (SVR(kernel="sigmoid"), Xr, yr, None),
    "nu_svr_rbf": (NuSVR(), Xr, yr, None),
    "scaler_logistic_pipeline": (make_pipeline(StandardScaler(), LogisticRegression()), X3, y3, NO_ZIPMAP),
    "normalizer_logistic_pipeline": (make_pipeline(Normalizer(), LogisticRegression()), X3, y3, NO_ZIPMAP),
    "decision_tree_strings_3class": (DecisionTreeClassifier(max_depth=3, random_state=0), X3, ys3, NO_ZIPMAP),
    "decision_tree_strings_binary": (DecisionTreeClassifier(max_depth=3, random_state=0), X3, ys2, NO_ZIPMAP),
    "logistic_regression_strings_3class": (LogisticRegression(), X3, ys3, NO_ZIPMAP),
    "logistic_regression_strings_binary": (LogisticRegression(), X3, ys2, NO_ZIPMAP),
    "one_hot_encoder": (OneHotEncoder(handle_unknown="ignore"), Xc, yc, None),
    "one_hot_logistic_pipeline": (make_pipeline(OneHotEncoder(), LogisticRegression()), Xc, yc, NO_ZIPMAP),
    "random_forest_zipmap": (RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0), X3, y3, None),
}

for name, (est, X, y, opts) in MODELS.items():
    est.fit(X, y)
    options = {id(est if not hasattr(est, "steps") else est.steps[-1][1]): opts} if opts else None
    onx = to_onnx(est, X[:1], options=options, target_opset=OPSETS)
    with open(os.path.join(OUT, f"{name}.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    np.save(os.path.join(OUT, f"{name}.X.npy"), X[:12])
    print(name)
