"""Replay study for issue 21 (exploration; the product numbers come from ./router replay).
Usage: python3 bench/study/replay_study.py EXPERIMENT [args]"""
import sys, time, zlib
import numpy as np
from replay_data import load, embeddings, folds

P, W, S, SUBJ = load()
X = embeddings(P)
F = folds(SUBJ)
N = len(P)
NS = (S == 1) & (W == 0)
GAIN = S - W
TIN = np.array([len(p) / 4.0 for p in P])
COST_S = (10 * TIN + 30 * 300) / 1e6
COST_W = 0.6 * (TIN + 300) / 1e6
SUBJECTS = sorted(set(SUBJ))
t0 = time.time()
SIM = X @ X.T
SIM[SIM >= 0.9999] = -2.0   # the question itself (or its duplicate) is never its own neighbour
np.fill_diagonal(SIM, -2.0)

def apgr(score, w, s):
    """RouteLLM's APGR as RoutingCurve computes it."""
    n = len(score)
    order = np.argsort(score, kind="stable")
    sc = score[order]
    qs = np.quantile(score, np.linspace(0, 1, 11))
    accw, accs = w.mean(), s.mean()
    gap = accs - accw
    if gap == 0: return float("nan")
    wb = np.concatenate([[0], np.cumsum(w[order])])
    sf = np.concatenate([np.cumsum(s[order][::-1])[::-1], [0]])
    pts = []
    for i, t in enumerate(qs):
        k = np.searchsorted(sc, t, side="left") if i < 10 else np.searchsorted(sc, t, side="right")
        share = (n - k) / n
        acc = (wb[k] + sf[k]) / n
        pts.append((share, (acc - accw) / gap))
    pts.sort()
    a = 0.0
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        a += (x1 - x0) * (y0 + y1) / 2
    return a

def knn_vote(rows, memory_mask, k=100):
    """Uniform kNN gain vote of each row over the memory rows."""
    out = np.zeros(len(rows))
    mem = np.where(memory_mask)[0]
    sub = SIM[np.ix_(rows, mem)]
    idx = np.argpartition(-sub, k, axis=1)[:, :k]
    out = GAIN[mem[idx]].mean(axis=1)
    return out

def group_risk(score, ns, group, alpha):
    """GroupRiskControl.fit: cheapest lambda (cheap when score < lambda) with (m L + 1)/(m+1) <= alpha."""
    groups = sorted(set(group))
    strong_in = {g: ns[group == g].sum() for g in groups}
    gs = [g for g in groups if strong_in[g] > 0]
    m = len(gs)
    e = np.where(ns)[0]
    wts = np.array([1.0 / (m * strong_in[group[i]]) for i in e])
    order = np.argsort(score[e], kind="stable")
    ps = score[e][order]; ws = wts[order]
    loss = 0.0; best = -np.inf; j = 0
    while True:
        cand = ps[j] if j < len(ps) else np.inf
        if (m * loss + 1) / (m + 1) > alpha + 1e-12: break
        best = cand
        if j >= len(ps): break
        while j < len(ps) and ps[j] == cand:
            loss += ws[j]; j += 1
    return best

def prior_scores(kind="knn"):
    """Out-of-fold prior score for every row (test folds), and per fold the cross-fit scores of the
    training rows (each against a memory without its own fold) for the prior's group threshold."""
    test = np.zeros(N); inner = {}
    for f in range(6):
        tr = F != f
        te_rows = np.where(~tr)[0]
        test[te_rows] = knn_vote(te_rows, tr)
        sc = np.full(N, np.nan)
        for g in range(6):
            if g == f: continue
            rows = np.where(F == g)[0]
            sc[rows] = knn_vote(rows, tr & (F != g))
        inner[f] = sc
    return test, inner

print("loaded %d rows, %.1fs" % (N, time.time() - t0), file=sys.stderr)

COLD = 50

def replay(make_state, seed=1, feedback="chosen", folds_to_run=range(6)):
    rec = []
    for f in folds_to_run:
        for s in SUBJECTS:
            rows = np.where(SUBJ == s)[0]
            if F[rows[0]] != f: continue
            rng = np.random.default_rng([seed, zlib.crc32(s.encode())])
            order = rng.permutation(rows)
            st = make_state(f, s)
            for pos, i in enumerate(order):
                strong, probe, score = st.decide(i)
                both = probe or feedback == "both"
                w_obs = W[i] if (not strong or both) else np.nan
                s_obs = S[i] if (strong or both) else np.nan
                st.learn(i, strong, probe, score, w_obs, s_obs)
                cost = (COST_S[i] if strong else COST_W[i]) + ((COST_W[i] if strong else COST_S[i]) if probe else 0)
                rec.append((f, s, pos, i, strong, probe, score, cost))
    return rec

def metrics(rec, part):
    r = [x for x in rec if part(x)]
    if not r: return {}
    rows = np.array([x[3] for x in r]); strong = np.array([x[4] for x in r]); probe = np.array([x[5] for x in r])
    score = np.array([x[6] for x in r]); cost = np.array([x[7] for x in r])
    ns = NS[rows]; only_weak = (~strong) & (~probe)
    v = (ns & only_weak).sum() / max(1, ns.sum())
    se = np.sqrt(v * (1 - v) / max(1, ns.sum()))
    subs = sorted(set(x[1] for x in r)); per = []
    subj = np.array([x[1] for x in r])
    for s in subs:
        m = (subj == s) & ns
        if m.sum() > 0: per.append((m & only_weak).sum() / m.sum())
    return dict(n=len(r), saved=1 - cost.sum() / COST_S[rows].sum(), viol=v, se=se,
                viol_subj=np.mean(per), viol_subj_se=np.std(per, ddof=1) / np.sqrt(len(per)) if len(per) > 1 else np.nan,
                strong=strong.mean(), probe=probe.mean(), apgr=apgr(score, W[rows], S[rows]))

def report(name, rec):
    c = metrics(rec, lambda x: x[2] < COLD); w = metrics(rec, lambda x: x[2] >= COLD)
    fmt = lambda m: "n=%5d saved=%.3f viol=%.3f+-%.3f (subj %.3f+-%.3f) strong=%.3f probe=%.3f apgr=%.3f" % (
        m["n"], m["saved"], m["viol"], m["se"], m["viol_subj"], m["viol_subj_se"], m["strong"], m["probe"], m["apgr"])
    print("%-28s cold %s" % (name, fmt(c)))
    print("%-28s warm %s" % ("", fmt(w)))
    sys.stdout.flush()

class Own:
    """A namespace's own outcomes (partial: NaN where not observed)."""
    def __init__(self):
        self.rows = []; self.w = []; self.s = []; self.score = []; self.strong = []; self.probe = []
    def add(self, i, w, s, score, strong, probe):
        self.rows.append(i); self.w.append(w); self.s.append(s); self.score.append(score)
        self.strong.append(strong); self.probe.append(probe)
    def n(self): return len(self.rows)
    def arrays(self):
        return np.array(self.rows), np.array(self.w), np.array(self.s)

def own_gain(own, i, k=10, prior_w=0.0, prior_s=0.0, shrink=0.0):
    """Own evidence of gain for row i: base rate and kNN (S from rows with S known, W from rows with W known)."""
    rows, w, s = own.arrays()
    wk = ~np.isnan(w); sk = ~np.isnan(s)
    base = (np.nanmean(s) if sk.any() else 0.8) - (np.nanmean(w) if wk.any() else 0.67)
    sims = SIM[i, rows]
    def local(known, vals):
        if not known.any(): return np.nan
        idx = np.where(known)[0]
        top = idx[np.argsort(-sims[idx])[:k]]
        return vals[top].mean()
    ls_, lw_ = local(sk, s), local(wk, w)
    knn = (ls_ if not np.isnan(ls_) else np.nanmean(s) if sk.any() else 0.8) - (lw_ if not np.isnan(lw_) else np.nanmean(w) if wk.any() else 0.67)
    return base, knn

class Static:
    def __init__(self, prior, lam): self.prior, self.lam = prior, lam
    def decide(self, i): return self.prior[i] >= self.lam, False, self.prior[i]
    def learn(self, *a): pass

class RefBlend:
    """The issue's reference: global vote blended with own neighbours and base rate, weight n/(n+30)."""
    def __init__(self, prior, lam, n0=30, own_threshold=False, alpha=0.1):
        self.prior, self.lam, self.n0 = prior, lam, n0; self.own = Own(); self.own_thr = own_threshold; self.alpha = alpha
    def score(self, i):
        n = self.own.n()
        if n == 0: return self.prior[i]
        base, knn = own_gain(self.own, i)
        w = n / (n + self.n0)
        return (1 - w) * self.prior[i] + w * 0.5 * (base + knn)
    def decide(self, i):
        sc = self.score(i)
        lam = self.lam
        if self.own_thr and self.own.n() >= 50:
            lam = self.namespace_threshold()
        return sc >= lam, False, sc
    def namespace_threshold(self):
        rows = np.array(self.own.rows); sc = np.array(self.own.score)
        ns = NS[rows]
        m = ns.sum(); k = int(np.floor(self.alpha * (m + 1)))
        if k < 1: return np.inf
        return np.sort(sc[ns])[k - 1] + 1e-12 if k <= m else np.inf
    def learn(self, i, strong, probe, score, w, s): self.own.add(i, w, s, score, strong, probe)

def ns_known(w, s):
    """Needs-strong per own record: 1/0 when the observed outcomes decide it, NaN when not."""
    out = np.full(len(w), np.nan)
    out[(w == 1) | (s == 0)] = 0
    out[(w == 0) & (s == 1)] = 1
    return out

def hashu(*parts):
    return (zlib.crc32(("|".join(map(str, parts))).encode()) & 0xffffffff) / 2**32

class Learner:
    """Prior until the namespace can calibrate itself; then own base rate + own neighbours, own threshold."""
    def __init__(self, prior, lam, alpha=0.1, n0=30, k=10, v0=5, min_ns=20, cheap_probe=1.0, strong_probe=0.0,
                 probe_decay=None, unknown_as="ns", rescore_every=25, window=None, score_mode="blend", seed=1, name=""):
        self.prior, self.lam, self.alpha, self.n0, self.k, self.v0 = prior, lam, alpha, n0, k, v0
        self.min_ns, self.cp, self.sp, self.decay, self.unknown_as = min_ns, cheap_probe, strong_probe, probe_decay, unknown_as
        self.rescore_every, self.window, self.mode, self.seed, self.name = rescore_every, window, score_mode, seed, name
        self.rows = []; self.w = []; self.s = []; self.probe_p = []; self.strong = []
        self.own_lam = None; self.loo = None
    def _own(self, i, exclude=None):
        rows = np.array(self.rows); w = np.array(self.w); s = np.array(self.s)
        if exclude is not None:
            keep = np.arange(len(rows)) != exclude; rows, w, s = rows[keep], w[keep], s[keep]
        p0 = self.prior[i]
        n = len(rows)
        if n == 0: return p0
        nsv = ns_known(w, s)
        kn = ~np.isnan(nsv)
        # base rate of the namespace shrunk to the prior's mean over the namespace's queries so far
        pm = self.prior[rows].mean()
        base = (np.nansum(nsv) + self.n0 * pm) / (kn.sum() + self.n0)
        # prior shifted by the namespace's level
        shifted = np.clip(p0 - pm + base, 0, 1)
        if kn.sum() == 0: return shifted
        idx = np.where(kn)[0]
        sims = SIM[i, rows[idx]]
        top = np.argsort(-sims)[:self.k]
        local_n = len(top)
        local = (nsv[idx][top].sum() + self.v0 * shifted) / (local_n + self.v0)
        return local
    def score(self, i):
        return self._own(i)
    def decide(self, i):
        n = len(self.rows)
        t = n
        if self.own_lam is None:
            sc = self.prior[i]; lam = self.lam
        else:
            sc = self.score(i); lam = self.own_lam
        strong = sc >= lam
        # probes: a share that shrinks as the namespace's needs-strong evidence grows
        m = self._m()
        decay = 1.0 if self.decay is None else min(1.0, self.decay / np.sqrt(max(1, m)))
        u = hashu(self.seed, self.name, i)
        probe = u < (self.cp if strong else self.sp * decay)
        self.last_prob = (self.cp if strong else self.sp * decay)
        return strong, probe, sc
    def _m(self):
        if not self.rows: return 0
        nsv = ns_known(np.array(self.w), np.array(self.s))
        return int(np.nansum(nsv))
    def learn(self, i, strong, probe, score, w, s):
        self.rows.append(i); self.w.append(w); self.s.append(s); self.strong.append(strong)
        self.probe_p.append(self.last_prob)
        n = len(self.rows)
        if n % self.rescore_every == 0:
            self._calibrate()
    def _calibrate(self):
        rows = np.array(self.rows); w = np.array(self.w); s = np.array(self.s)
        lo = 0 if self.window is None else max(0, len(rows) - self.window)
        nsv = ns_known(w, s)
        # leave-one-out scores of the own records under the current model
        sc = np.array([self._own(rows[j], exclude=j) for j in range(lo, len(rows))])
        nsw = nsv[lo:]
        unknown = np.isnan(nsw)
        if self.unknown_as == "ns":
            is_ns = (nsw == 1) | unknown
            wts = np.ones(len(nsw))
        else:  # IPW: unknowns dropped, probed cheap-routed W=0 records weighted by 1/probability
            is_ns = nsw == 1
            pp = np.array(self.probe_p[lo:]); st = np.array(self.strong[lo:])
            wts = np.where((~st) & (w[lo:] == 0) & ~unknown, 1.0 / np.maximum(pp, 1e-3), 1.0)
        m = is_ns.sum()
        if m < self.min_ns:
            self.own_lam = None; return
        # weighted Mondrian conformal on the needs-strong class: lambda = largest with
        # (weight of NS below lambda + max weight) / (total NS weight + max weight) <= alpha
        order = np.argsort(sc[is_ns]); ps = sc[is_ns][order]; ws = wts[is_ns][order]
        tot = ws.sum(); wmax = 1.0
        cum = 0.0
        lam = -np.inf
        for j in range(len(ps)):
            if (cum + wmax) / (tot + wmax) > self.alpha: break
            lam = ps[j]
            cum += ws[j]
        self.own_lam = lam

BUCKETS = [0, 10, 25, 50, 100, 200, 400, 10**9]
def bucket(n):
    for b in range(len(BUCKETS) - 1):
        if n < BUCKETS[b + 1]: return b

class RateLearner:
    """Score = the namespace's needs-strong rate, estimated from partial feedback and shrunk to the prior
    p0(x) with n0 pseudo-queries; threshold per stage of learning (bucket of outcomes seen)."""
    def __init__(self, prior, taus, q_sw=0.5, q_ws=0.25, n0=20, cheap_probe=0.0, strong_probe=0.0, probe_n=None,
                 seed=1, name="", local=0.0):
        self.prior, self.taus, self.q_sw, self.q_ws, self.n0 = prior, taus, q_sw, q_ws, n0
        self.cp, self.sp, self.probe_n, self.seed, self.name, self.local = cheap_probe, strong_probe, probe_n, seed, name, local
        self.n = 0; self.rows = []
        # counts: strong-routed: S known; W known when probed. cheap-routed: W known; S known when probed.
        self.c = dict(st=0, st_s1=0, st_s1_wk=0, st_s1_w0=0, ch=0, ch_w0=0, ch_w0_sk=0, ch_w0_s1=0, st_wk=0)
    def rate(self):
        c = self.c
        if self.n == 0: return None
        # P(NS | strong-routed) = P(S=1|st) * P(W=0 | S=1, st)
        p_s1 = c["st_s1"] / c["st"] if c["st"] else 0
        p_w0 = (c["st_s1_w0"] + self.q_ws * 2) / (c["st_s1_wk"] + 2)
        ns_st = p_s1 * p_w0
        p_w0c = c["ch_w0"] / c["ch"] if c["ch"] else 0
        p_s1c = (c["ch_w0_s1"] + self.q_sw * 2) / (c["ch_w0_sk"] + 2)
        ns_ch = p_w0c * p_s1c
        return (ns_st * c["st"] + ns_ch * c["ch"]) / self.n
    def score(self, i):
        r = self.rate(); p0 = self.prior[i]
        if r is None: return p0
        return (self.n * r + self.n0 * p0) / (self.n + self.n0)
    def decide(self, i):
        sc = self.score(i)
        strong = sc >= self.taus[bucket(self.n)]
        decay = 1.0 if self.probe_n is None else min(1.0, self.probe_n / max(1, self.n))
        prob = (self.cp if strong else self.sp) * decay
        probe = hashu(self.seed, self.name, i) < prob
        return strong, probe, sc
    def learn(self, i, strong, probe, score, w, s):
        c = self.c; self.n += 1
        if strong:
            c["st"] += 1
            if s == 1:
                c["st_s1"] += 1
                if not np.isnan(w): c["st_s1_wk"] += 1; c["st_s1_w0"] += int(w == 0)
        else:
            c["ch"] += 1
            if w == 0:
                c["ch_w0"] += 1
                if not np.isnan(s): c["ch_w0_sk"] += 1; c["ch_w0_s1"] += int(s == 1)

def pooled_tau(sc, ns, alpha):
    """Largest tau whose pooled violation rate (NS below tau / all NS) on the training replays is <= alpha."""
    tot = ns.sum()
    if tot == 0: return np.inf
    o = np.argsort(sc, kind="stable"); ps = sc[o]; c = np.cumsum(ns[o])
    allowed = alpha * tot
    k = np.searchsorted(c, allowed, side="right")   # first index whose cumulative NS exceeds allowed
    return ps[k] if k < len(ps) else np.inf

def calibrate_taus(make, f, alpha, iters=2, seed=7, pooled=False):
    """Per stage bucket, GroupRiskControl over the training subjects' replays (cross-fit priors)."""
    taus = [lam0[f]] * (len(BUCKETS) - 1)
    for it in range(iters):
        rec = []
        for g in range(6):
            if g == f: continue
            rec += replay(lambda ff, s: make(inner[f], taus, s), seed=seed, folds_to_run=[g])
        new = []
        for b in range(len(BUCKETS) - 1):
            r = [x for x in rec if bucket(x[2]) == b]
            if not r: new.append(taus[b]); continue
            rows = np.array([x[3] for x in r]); sc = np.array([x[6] for x in r]); sub = np.array([x[1] for x in r])
            new.append(pooled_tau(sc, NS[rows], alpha) if pooled else group_risk(sc, NS[rows], sub, alpha))
        taus = new
    return taus


if __name__ == "__main__":
    exp = sys.argv[1]
    prior, inner = prior_scores()
    globals()["inner"] = inner
    lam = {f: group_risk(inner[f][F != f], NS[F != f], SUBJ[F != f], 0.1) for f in range(6)}
    print("prior APGR pooled %.3f; lambda per fold %s" % (apgr(prior, W, S), {f: round(l, 3) for f, l in lam.items()}))
    if exp == "ref":
        report("static (global kNN, group)", replay(lambda f, s: Static(prior, lam[f])))
        report("ref blend full feedback", replay(lambda f, s: RefBlend(prior, lam[f]), feedback="both"))
        report("ref blend + own thr full", replay(lambda f, s: RefBlend(prior, lam[f], own_threshold=True), feedback="both"))
        report("ref blend partial", replay(lambda f, s: RefBlend(prior, lam[f])))
    if exp == "learn":
        import itertools
        variants = eval(sys.argv[2]) if len(sys.argv) > 2 else [{}]
        for v in variants:
            fb = v.pop("feedback", "chosen")
            report(str(v)[:28], replay(lambda f, s: Learner(prior, lam[f], name=s, **v), feedback=fb))
            print("   ", v)
    if exp == "rate":
        globals()["lam0"] = lam
        variants = eval(sys.argv[2]) if len(sys.argv) > 2 else [{}]
        for v in variants:
            fb = v.pop("feedback", "chosen"); pooled = v.pop("pooled", False); a = v.pop("cal_alpha", 0.1)
            taus = {f: calibrate_taus(lambda pr, t, s: RateLearner(pr, t, name=s, **v), f, a, pooled=pooled) for f in range(6)}
            print("taus", {f: [round(x, 3) for x in t] for f, t in taus.items()})
            report(str(v)[:28], replay(lambda f, s: RateLearner(prior, taus[f], name=s, **v), feedback=fb))
            print("   ", v); sys.stdout.flush()
