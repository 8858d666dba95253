from replay_study import *
# Pooled oracle: each subject's NS rate known exactly; subjects sent cheap whole, lowest rate first, while pooled violation <= alpha
rates = {s: NS[SUBJ == s].mean() for s in SUBJECTS}
tot_ns = NS.sum(); allowed = 0.1 * tot_ns; v = 0; cheap = 0; saved = 0
for s in sorted(SUBJECTS, key=lambda s: rates[s]):
    rows = SUBJ == s
    if v + NS[rows].sum() > allowed: break
    v += NS[rows].sum(); cheap += rows.sum(); saved += (COST_S[rows] - COST_W[rows]).sum()
print("pooled oracle (known subject rates, whole subjects cheap): cheap share %.3f, cost saved %.3f, violation %.3f" % (cheap / N, saved / COST_S.sum(), v / tot_ns))
for s in sorted(SUBJECTS, key=lambda s: rates[s])[:12]: print("  %-40s NS rate %.3f  n=%d" % (s, rates[s], (SUBJ == s).sum()))
print("NS rate overall %.3f; P(S=1|W=0) %.3f; P(W=0|S=1) %.3f" % (NS.mean(), S[W == 0].mean(), (1 - W[S == 1]).mean()))
