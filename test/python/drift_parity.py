"""Reference values for the drift statistics, computed by scipy/numpy on fixed seeded vectors.

stdout: JSON {"versions": {...}, "ks": [...], "kstwo": [...], "chi2": [...], "wasserstein": [...],
"jensenshannon": [...], "histogram": [...], "ztest": [...]}; every case carries its inputs.
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial.distance import jensenshannon

rng = np.random.default_rng(20261122)


def ks_case(name, a, b):
    r = stats.ks_2samp(a, b, alternative="two-sided", method="auto")
    method = "exact" if max(len(a), len(b)) <= 10000 else "asymp"
    return {"name": name, "a": a.tolist(), "b": b.tolist(), "statistic": float(r.statistic), "pvalue": float(r.pvalue), "method": method}


iris_like = np.round(rng.normal(5.8, 0.8, 120), 1)
ks = [
    ks_case("equal sizes 20/20, shifted", rng.normal(0, 1, 20), rng.normal(0.8, 1, 20)),
    ks_case("equal sizes 200/200, same law", rng.normal(0, 1, 200), rng.normal(0, 1, 200)),
    ks_case("unequal 37/53", rng.normal(0, 1, 37), rng.normal(0.3, 1.2, 53)),
    ks_case("ties: 1-decimal 120 vs 50 shifted +1.5", iris_like, np.round(rng.normal(7.3, 0.8, 50), 1)),
    ks_case("ties: 1-decimal 120 vs 80 same law", iris_like, np.round(rng.normal(5.8, 0.8, 80), 1)),
    ks_case("unequal 150/1000, small shift", rng.normal(0, 1, 150), rng.normal(0.15, 1, 1000)),
    ks_case("asymptotic 12000/300", rng.normal(0, 1, 12000), rng.normal(0.1, 1, 300)),
    ks_case("asymptotic 10001/900 same law", rng.normal(0, 1, 10001), rng.normal(0, 1, 900)),
    ks_case("asymptotic 150/20000 shifted", np.round(rng.normal(5.8, 0.8, 150), 1), np.round(rng.normal(6.0, 0.8, 20000), 1)),
    # Tiny p-values (the relative error is what counts there), exact and asymptotic.
    ks_case("tiny, exact 120/50 ties shifted +2", iris_like, np.round(rng.normal(7.8, 0.8, 50), 1)),
    ks_case("tiny, exact equal 60/60 shifted", rng.normal(0, 1, 60), rng.normal(1.6, 1, 60)),
    ks_case("tiny, exact equal 500/500 shifted", rng.normal(0, 1, 500), rng.normal(1.5, 1, 500)),
    ks_case("tiny, exact 1200/900 ties shifted", np.round(rng.normal(5.8, 0.8, 1200), 1), np.round(rng.normal(6.3, 0.8, 900), 1)),
    ks_case("tiny, exact 300/7000 shifted", rng.normal(0, 1, 300), rng.normal(1.2, 1, 7000)),
    ks_case("tiny, exact disjoint 50/80", rng.uniform(0, 1, 50), rng.uniform(2, 3, 80)),
    ks_case("1e-300, exact disjoint 450/560", rng.uniform(0, 1, 450), rng.uniform(2, 3, 560)),
    ks_case("1e-300, exact equal 1000/1000 D=0.78", np.arange(1000.0), np.arange(780.0, 1780.0)),
    ks_case("below the doubles, exact equal 1000/1000 D=0.8 (denormal, as scipy)", np.arange(1000.0), np.arange(800.0, 1800.0)),
    ks_case("tiny, exact 2500/2000 shifted", rng.normal(0, 1, 2500), rng.normal(0.6, 1, 2000)),
    ks_case("tiny, asymptotic 12000/300 shifted", rng.normal(0, 1, 12000), rng.normal(1.0, 1, 300)),
    ks_case("tiny, asymptotic 15000/100 (n <= 140)", rng.normal(0, 1, 15000), rng.normal(1.5, 1, 100)),
    ks_case("1e-200, asymptotic 20000/2000 shifted", rng.normal(0, 1, 20000), rng.normal(0.9, 1, 2000)),
    ks_case("asymptotic 20000/2000 beyond nx^2 = 370 (0, as scipy)", rng.normal(0, 1, 20000), rng.normal(4.0, 1, 2000)),
]

kstwo = []
for n in [3, 10, 50, 140, 141, 150, 400, 1000, 5000, 60000, 150000, 2000000]:
    for x in [0.3 / n, 0.8 / n, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.9, 1 - 0.5 / n]:
        if 0 < x < 1:
            kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    for nx2 in [0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 40.0, 120.0, 250.0, 345.0, 369.0]:
        x = float(np.sqrt(nx2 / n))
        if x < 1:
            kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})

chi2 = []
for ref, cur in [([40, 40, 40], [17, 16, 17]), ([40, 40, 40], [5, 20, 25]), ([30, 50], [20, 10]),
                 ([12, 30, 45, 33], [10, 9, 8, 30]), ([41, 39, 40], [0, 25, 25])]:
    r = stats.chi2_contingency(np.array([ref, cur]))
    chi2.append({"reference": ref, "current": cur, "statistic": float(r.statistic), "pvalue": float(r.pvalue), "dof": int(r.dof)})

chi2gof = []
for ref, cur in [([40, 40, 40], [17, 16, 17]), ([40, 40, 40], [5, 20, 25]), ([12, 30, 45, 33], [10, 9, 8, 30]), ([41, 39, 40], [30, 200, 170])]:
    n_ref, n_cur = sum(ref), sum(cur)
    r = stats.chisquare(cur, [x * n_cur / n_ref for x in ref])
    chi2gof.append({"reference": ref, "current": cur, "statistic": float(r.statistic), "pvalue": float(r.pvalue)})

wass = []
for u, v in [([0, 1, 3], [5, 6, 8]), (rng.normal(0, 1, 57).tolist(), rng.normal(0.5, 2, 91).tolist()),
             (np.round(rng.normal(5.8, 0.8, 120), 1).tolist(), np.round(rng.normal(7.3, 0.8, 50), 1).tolist())]:
    wass.append({"u": u, "v": v, "distance": float(stats.wasserstein_distance(u, v)), "std_u": float(np.std(u))})

js = []
for p, q in [([0.2, 0.3, 0.5], [0.1, 0.1, 0.8]), ([0.5, 0.5, 0.0], [0.0, 0.1, 0.9]), ([1, 2, 3, 4], [4, 3, 2, 1])]:
    js.append({"p": p, "q": q, "distance": float(jensenshannon(p, q))})

hist = []
for values in [np.round(rng.normal(3.0, 0.4, 170), 1), rng.uniform(0, 10, 1000)]:
    edges = np.histogram_bin_edges(values, bins="sturges")
    counts, _ = np.histogram(values, bins=edges)
    hist.append({"values": values.tolist(), "edges": edges.tolist(), "counts": counts.tolist()})

zt = []
for ref, cur in [([0] * 60 + [1] * 60, [0] * 10 + [1] * 30), ([0] * 50 + [1] * 70, [0] * 21 + [1] * 29)]:
    r, c = np.array(ref), np.array(cur)
    p1, p2 = (r == 0).mean(), (c == 0).mean()
    pooled = (p1 * len(r) + p2 * len(c)) / (len(r) + len(c))
    z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / len(r) + 1 / len(c)))
    zt.append({"reference": ref, "current": cur, "pvalue": float(2 * stats.norm.sf(abs(z)))})

json.dump({"versions": {"scipy": scipy.__version__, "numpy": np.__version__}, "ks": ks, "kstwo": kstwo, "chi2": chi2, "chi2gof": chi2gof,
           "wasserstein": wass, "jensenshannon": js, "histogram": hist, "ztest": zt}, sys.stdout)
