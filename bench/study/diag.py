import numpy as np, sys
from replay_study import *
prior, inner = prior_scores()
def auc(sc, y):
    from itertools import product
    o = np.argsort(sc, kind="stable"); r = np.empty(len(sc)); r[o] = np.arange(1, len(sc)+1)
    # average ranks for ties
    import scipy.stats as ss
    return None
def auc(sc, y):
    order = np.argsort(sc); sc2 = sc[order]; y2 = y[order]
    ranks = np.empty(len(sc)); i = 0
    while i < len(sc):
        j = i
        while j + 1 < len(sc) and sc2[j+1] == sc2[i]: j += 1
        ranks[i:j+1] = (i + j) / 2 + 1; i = j + 1
    npos = y2.sum(); nneg = len(y2) - npos
    return (ranks[y2 == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg)
def tuned_cheap(sc, ns, alpha=0.1):
    # largest cheap share with (NS below lambda)/NS <= alpha, within subject
    o = np.argsort(sc); ns_o = ns[o]; allowed = int(np.floor(alpha * ns.sum()))
    c = np.cumsum(ns_o); k = np.searchsorted(c, allowed + 1)  # first index where violations exceed
    return k / len(sc)
def loo_knn(rows, k, label):
    sub = SIM[np.ix_(rows, rows)].copy()
    idx = np.argsort(-sub, axis=1)[:, :k]
    return label[rows][idx].mean(axis=1)
res = {}
for name in ["prior", "knn10 ns", "knn30 ns", "knn10 gain", "knn30 gain", "len", "prior+knn30"]:
    aucs = []; ch = []; tot = 0; tot_ch = 0
    for s in SUBJECTS:
        rows = np.where(SUBJ == s)[0]
        if name == "prior": sc = prior[rows]
        elif name == "len": sc = TIN[rows]
        elif name.startswith("knn") and "+" not in name:
            k = int(name.split()[0][3:]); sc = loo_knn(rows, k, NS.astype(float) if "ns" in name else GAIN)
        else:
            a = loo_knn(rows, 30, NS.astype(float)); sc = 0.5 * (a - a.mean()) / (a.std() + 1e-9) + 0.5 * (prior[rows] - prior[rows].mean()) / (prior[rows].std() + 1e-9)
        ns = NS[rows]
        if ns.sum() and (~ns).sum(): aucs.append(auc(sc, ns.astype(int)))
        c = tuned_cheap(sc, ns); tot_ch += c * len(rows); tot += len(rows)
    print("%-14s within-subject NS AUC %.3f +- %.3f ; test-tuned cheap share per subject at 0.1: %.3f" % (name, np.mean(aucs), np.std(aucs)/np.sqrt(len(aucs)), tot_ch / tot))
