"""Loads the MMLU outcome data, the project's cached MiniLM vectors and the P1 subject folds for the
replay study (issue 21). Same row order as OutcomeTable (files by name, rows in file order) without
high_school_mathematics, which is the prompt list the cache is keyed by."""
import csv, glob, os, struct, sys, hashlib
import numpy as np

DATA = os.environ.get("ROUTELLM_MMLU", "/work/shared/data/routellm-mmlu")
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
STRONG = "gpt-4-1106-preview"
EXCLUDED = {"high_school_mathematics"}
csv.field_size_limit(10**9)

def load():
    prompts, weak, strong, subject = [], [], [], []
    for path in sorted(glob.glob(os.path.join(DATA, "*.csv"))):
        name = os.path.basename(path)[:-4]
        if name.startswith("mmlu_"): name = name[5:]
        if name in EXCLUDED: continue
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row is None or row.get("prompt") is None: continue
                prompts.append(row["prompt"]); subject.append(name)
                weak.append(1.0 if row[WEAK].strip().lower() == "true" else 0.0)
                strong.append(1.0 if row[STRONG].strip().lower() == "true" else 0.0)
    return prompts, np.array(weak), np.array(strong), np.array(subject)

def embeddings(prompts):
    sha = hashlib.sha256()
    for p in prompts:
        sha.update(p.encode("utf-8")); sha.update(b"\0")
    path = os.path.expanduser("~/.cache/agent-router/minilm-%s.f32" % sha.hexdigest()[:16])
    with open(path, "rb") as f:
        rows, dim = struct.unpack(">ii", f.read(8))
        v = np.frombuffer(f.read(), dtype=">f4").astype(np.float32).reshape(rows, dim)
    assert rows == len(prompts)
    return v / np.linalg.norm(v, axis=1, keepdims=True)

def folds(subject):
    fold_of = {}
    with open(os.path.join(os.path.dirname(__file__), "p1-folds.tsv")) as f:
        for line in f:
            s, k = line.split(); fold_of[s] = int(k)
    return np.array([fold_of[s] for s in subject])
